// Pass 1 of the quantisers: each segment's statistic (Σ|c|, Σc², max|c|, Σlog) and from it the scale k.
//
// Σ|c| and Σc² are float64 sums over 8 stripes (stripe j: positions t ≡ j mod 8
// of the segment, in order), combined as ((s0+s2)+(s4+s6)) + ((s1+s3)+(s5+s7)).
// The wasm kernels (assembly/quant/scale.ts) use exactly this order, so μ, k and
// therefore the codes are bit-identical on both paths. Float64 keeps μ accurate
// to ~1e-16 relative even for 2^24-value segments.

import type { QuantMethod, ResolvedQuant, Segment } from './quant-options.js';
import type { QuantKernels } from './quant-kernels.js';
import { sourceArrays, type QuantSource } from './quant-source.js';

/** Σ|c| (or Σc² when `square`) over the segment in the striped order above. */
export function stripedSumJs(source: QuantSource, offset: number, length: number, square: boolean): number {
  const stripes = new Float64Array(8);
  const end = offset + length;
  const body = offset + (length & ~7);
  // One loop per case keeps each monomorphic; every term (|c| or c², c a float32) is exact in float64.
  if (!source.fused) {
    const c = source.c;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    if (square) {
      for (let i = offset; i < body; i += 8) {
        s0 += c[i] * c[i]; s1 += c[i + 1] * c[i + 1]; s2 += c[i + 2] * c[i + 2]; s3 += c[i + 3] * c[i + 3];
        s4 += c[i + 4] * c[i + 4]; s5 += c[i + 5] * c[i + 5]; s6 += c[i + 6] * c[i + 6]; s7 += c[i + 7] * c[i + 7];
      }
    } else {
      for (let i = offset; i < body; i += 8) {
        s0 += Math.abs(c[i]); s1 += Math.abs(c[i + 1]); s2 += Math.abs(c[i + 2]); s3 += Math.abs(c[i + 3]);
        s4 += Math.abs(c[i + 4]); s5 += Math.abs(c[i + 5]); s6 += Math.abs(c[i + 6]); s7 += Math.abs(c[i + 7]);
      }
    }
    stripes.set([s0, s1, s2, s3, s4, s5, s6, s7]);
    for (let i = body; i < end; i++) stripes[i - body] += square ? c[i] * c[i] : Math.abs(c[i]);
  } else {
    const { m, g, b1, omb1 } = source;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    // c rounded to float32 first, exactly as the kernel forms it; the square of a float32 is exact in float64.
    if (square) {
      for (let i = offset; i < body; i += 8) {
        let c = Math.fround(Math.fround(b1 * m[i]) + Math.fround(omb1 * g[i])); s0 += c * c;
        c = Math.fround(Math.fround(b1 * m[i + 1]) + Math.fround(omb1 * g[i + 1])); s1 += c * c;
        c = Math.fround(Math.fround(b1 * m[i + 2]) + Math.fround(omb1 * g[i + 2])); s2 += c * c;
        c = Math.fround(Math.fround(b1 * m[i + 3]) + Math.fround(omb1 * g[i + 3])); s3 += c * c;
        c = Math.fround(Math.fround(b1 * m[i + 4]) + Math.fround(omb1 * g[i + 4])); s4 += c * c;
        c = Math.fround(Math.fround(b1 * m[i + 5]) + Math.fround(omb1 * g[i + 5])); s5 += c * c;
        c = Math.fround(Math.fround(b1 * m[i + 6]) + Math.fround(omb1 * g[i + 6])); s6 += c * c;
        c = Math.fround(Math.fround(b1 * m[i + 7]) + Math.fround(omb1 * g[i + 7])); s7 += c * c;
      }
    } else {
      for (let i = offset; i < body; i += 8) {
        s0 += Math.abs(Math.fround(Math.fround(b1 * m[i]) + Math.fround(omb1 * g[i])));
        s1 += Math.abs(Math.fround(Math.fround(b1 * m[i + 1]) + Math.fround(omb1 * g[i + 1])));
        s2 += Math.abs(Math.fround(Math.fround(b1 * m[i + 2]) + Math.fround(omb1 * g[i + 2])));
        s3 += Math.abs(Math.fround(Math.fround(b1 * m[i + 3]) + Math.fround(omb1 * g[i + 3])));
        s4 += Math.abs(Math.fround(Math.fround(b1 * m[i + 4]) + Math.fround(omb1 * g[i + 4])));
        s5 += Math.abs(Math.fround(Math.fround(b1 * m[i + 5]) + Math.fround(omb1 * g[i + 5])));
        s6 += Math.abs(Math.fround(Math.fround(b1 * m[i + 6]) + Math.fround(omb1 * g[i + 6])));
        s7 += Math.abs(Math.fround(Math.fround(b1 * m[i + 7]) + Math.fround(omb1 * g[i + 7])));
      }
    }
    stripes.set([s0, s1, s2, s3, s4, s5, s6, s7]);
    for (let i = body; i < end; i++) {
      const c = Math.fround(Math.fround(b1 * m[i]) + Math.fround(omb1 * g[i]));
      stripes[i - body] += square ? c * c : Math.abs(c);
    }
  }
  const s = stripes;
  return ((s[0] + s[2]) + (s[4] + s[6])) + ((s[1] + s[3]) + (s[5] + s[7]));
}

/** max|c| over the segment; NaN if any c is NaN; 0 for an empty segment. */
export function maxAbsJs(source: QuantSource, offset: number, length: number): number {
  const { a, g, b1, omb1 } = sourceArrays(source);
  const fused = source.fused;
  let m = 0;
  for (let i = offset; i < offset + length; i++) {
    const c = fused ? Math.fround(Math.fround(b1 * a[i]) + Math.fround(omb1 * g[i])) : a[i];
    const x = Math.abs(c);
    // Written out so that a NaN, once seen, sticks (as with wasm f32.max).
    if (x > m || x !== x) m = x;
  }
  return m;
}

/** μ of the l0 quantiser: exp(mean(log(|c| + ε))), summed in float64 in index order (JS on both paths). */
export function geometricMeanJs(source: QuantSource, offset: number, length: number, epsilon: number): number {
  const { a, g, b1, omb1 } = sourceArrays(source);
  const fused = source.fused;
  let sum = 0;
  for (let i = offset; i < offset + length; i++) {
    const c = fused ? Math.fround(Math.fround(b1 * a[i]) + Math.fround(omb1 * g[i])) : a[i];
    sum += Math.log(Math.abs(c) + epsilon);
  }
  return Math.exp(sum / length);
}

/**
 * k for the method from μ (or ‖c‖₂ for stochastic): k = fround(s / (2μ)), k = fround(s / ‖c‖₂),
 * or +∞ for sign (then f32(c·k) is ±∞ → ±1 after clamping to s = 1, and 0·∞ = NaN → 0).
 * A zero or non-finite statistic gives k = 0: every q of the segment is 0.
 */
export function scaleFromStatistic(method: QuantMethod, levels: number, statistic: number): number {
  if (method === 'sign') return Infinity;
  if (!(statistic > 0) || statistic === Infinity) return 0;
  return Math.fround(method === 'stochastic' ? levels / statistic : levels / (2 * statistic));
}

/** The scale k of one segment, its statistic read by the wasm kernels when `kernels` is given, by JS otherwise. */
export function segmentScale(source: QuantSource, seg: Segment, q: ResolvedQuant, kernels: QuantKernels | null): number {
  const { offset, length } = seg;
  let statistic: number;
  switch (q.method) {
    case 'sign':
      return Infinity;
    case 'l1':
    case 'ternary':
      statistic = stripedSum(source, offset, length, false, kernels) / length;
      break;
    case 'stochastic':
      statistic = Math.sqrt(stripedSum(source, offset, length, true, kernels));
      break;
    case 'linf':
      statistic = kernels ? wasmMaxAbs(source, offset, length, kernels) : maxAbsJs(source, offset, length);
      break;
    case 'l0':
      statistic = geometricMeanJs(source, offset, length, q.epsilon);
      break;
  }
  return scaleFromStatistic(q.method, q.levels, statistic);
}

function stripedSum(source: QuantSource, offset: number, length: number, square: boolean, kernels: QuantKernels | null): number {
  if (!kernels) return stripedSumJs(source, offset, length, square);
  const { a, g, b1, omb1 } = sourceArrays(source);
  const pa = a.byteOffset + 4 * offset;
  if (!source.fused) return square ? kernels.sumSquares(pa, length) : kernels.sumAbs(pa, length);
  const pg = g.byteOffset + 4 * offset;
  return square ? kernels.lionSumSquares(pa, pg, b1, omb1, length) : kernels.lionSumAbs(pa, pg, b1, omb1, length);
}

function wasmMaxAbs(source: QuantSource, offset: number, length: number, kernels: QuantKernels): number {
  const { a, g, b1, omb1 } = sourceArrays(source);
  const pa = a.byteOffset + 4 * offset;
  return source.fused ? kernels.lionMaxAbs(pa, g.byteOffset + 4 * offset, b1, omb1, length) : kernels.maxAbs(pa, length);
}
