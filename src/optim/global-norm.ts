// Global L2 norm of a flat gradient buffer, the clipping factor derived from it, and its finiteness check.
//
// The sum of squares runs in float64 in a fixed order (eight interleaved accumulators) so the
// JS reference and the wasm SIMD kernel return the same bits, hence the same clipping factor.

import { InvalidArgumentError } from '../errors.js';
import { canUseWasm } from '../kernels/load.js';
import { optimKernels } from './optim-kernels.js';

/**
 * Σ x[i]² in float64: x[i]² (exact in float64) is added to accumulator (i mod 8) in increasing i,
 * then the accumulators are summed in order 0…7. Runs in wasm when `x` lives in kernel memory.
 */
export function sumOfSquares(x: Float32Array): number {
  return canUseWasm(x) ? sumOfSquaresWasm(x) : sumOfSquaresJs(x);
}

/** Plain-JS reference of sumOfSquares. */
export function sumOfSquaresJs(x: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  const n = x.length;
  const n8 = n & ~7;
  let i = 0;
  for (; i < n8; i += 8) {
    const x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
    const x4 = x[i + 4], x5 = x[i + 5], x6 = x[i + 6], x7 = x[i + 7];
    s0 += x0 * x0; s1 += x1 * x1; s2 += x2 * x2; s3 += x3 * x3;
    s4 += x4 * x4; s5 += x5 * x5; s6 += x6 * x6; s7 += x7 * x7;
  }
  const acc = [s0, s1, s2, s3, s4, s5, s6, s7];
  for (; i < n; i++) acc[i & 7] += x[i] * x[i];
  return ((((((acc[0] + acc[1]) + acc[2]) + acc[3]) + acc[4]) + acc[5]) + acc[6]) + acc[7];
}

/** The wasm kernel of sumOfSquares. Throws InvalidArgumentError when `x` is not in kernel memory. */
export function sumOfSquaresWasm(x: Float32Array): number {
  if (!canUseWasm(x)) throw new InvalidArgumentError('x', x, 'a view of kernel memory with wasm kernels enabled');
  return optimKernels().sumOfSquares(x.byteOffset, x.length);
}

/** True when no element of `x` is NaN or ±∞. Runs in wasm (a SIMD test of the exponent bits) when `x` lives in kernel memory. */
export function allFinite(x: Float32Array): boolean {
  return canUseWasm(x) ? optimKernels().allFinite(x.byteOffset, x.length) === 1 : allFiniteJs(x);
}

/** Plain-JS reference of allFinite. */
export function allFiniteJs(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** ‖x‖₂ = sqrt(sumOfSquares(x)). */
export function globalNorm(x: Float32Array): number {
  return Math.sqrt(sumOfSquares(x));
}

/**
 * The factor that clips a gradient of norm `norm` to at most `maxNorm`:
 * fround(maxNorm / norm) when norm > maxNorm, exactly 1 otherwise. A non-finite norm (a NaN or
 * infinite gradient, which is a bug upstream) is not clipped: scaling it cannot repair it, and
 * the caller sees the norm in the step report.
 */
export function clipScale(norm: number, maxNorm: number): number {
  if (!Number.isFinite(norm) || !(norm > maxNorm)) return 1;
  return Math.fround(maxNorm / norm);
}
