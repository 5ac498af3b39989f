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
  const { a, g, b1, omb1 } = sourceArrays(source);
  const fused = source.fused;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  const body = offset + (length & ~7);
  const end = offset + length;
  const v = new Float64Array(8);
  let i = offset;
  for (; i < body; i += 8) {
    for (let j = 0; j < 8; j++) {
      const c = fused ? Math.fround(Math.fround(b1 * a[i + j]) + Math.fround(omb1 * g[i + j])) : a[i + j];
      v[j] = square ? c * c : Math.abs(c);
    }
    s0 += v[0]; s1 += v[1]; s2 += v[2]; s3 += v[3]; s4 += v[4]; s5 += v[5]; s6 += v[6]; s7 += v[7];
  }
  for (let j = 0; i < end; i++, j++) {
    const c = fused ? Math.fround(Math.fround(b1 * a[i]) + Math.fround(omb1 * g[i])) : a[i];
    const x = square ? c * c : Math.abs(c);
    if (j === 0) s0 += x; else if (j === 1) s1 += x; else if (j === 2) s2 += x;
    else if (j === 3) s3 += x; else if (j === 4) s4 += x; else if (j === 5) s5 += x; else s6 += x;
  }
  return ((s0 + s2) + (s4 + s6)) + ((s1 + s3) + (s5 + s7));
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
