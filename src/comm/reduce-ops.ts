// Element-wise reductions per element type (sum, max, mean) and the bfloat16 <-> float32 conversions they use.

import { InvalidArgumentError } from '../errors.js';
import type { DType, DTypeArray } from './codes.js';
import { combineWasm } from './reduce-wasm.js';

/** Reductions a collective can apply. `mean` is `sum` followed by one division by the world size. */
export type ReduceOp = 'sum' | 'max' | 'mean';

/** The typed arrays collectives accept; bfloat16 values are Uint16Array words. */
export type ElementArray = Float32Array | Uint16Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint32Array;

export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'mean'];

/**
 * The element type a typed array carries: Uint16Array means bfloat16 (the only 16-bit unsigned type
 * lion-cub reduces). Returns undefined for arrays collectives do not support (Float64Array, BigInt64Array, ...).
 */
export function dtypeOfArray(array: ArrayBufferView): DType | undefined {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Uint16Array) return 'bfloat16';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Uint8Array) return 'uint8';
  if (array instanceof Uint32Array) return 'uint32';
  return undefined;
}

export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'bfloat16';
}

/**
 * Checks that `op` is a reduction lion-cub implements for `dtype`.
 * Throws InvalidArgumentError for unknown ops and for `mean` on integer types (an integer mean would
 * have to pick a rounding rule; callers that want one divide the integer sum themselves).
 */
export function checkReduceOp(op: unknown, dtype: DType): asserts op is ReduceOp {
  if (!REDUCE_OPS.includes(op as ReduceOp)) throw new InvalidArgumentError('op', op, `one of ${REDUCE_OPS.join(', ')}`);
  if (op === 'mean' && !isFloatDType(dtype)) {
    throw new InvalidArgumentError('op', op, `sum or max for integer dtype ${dtype} (mean is defined for float32 and bfloat16 only)`);
  }
}

// One float32 word seen as bits, for scalar conversions.
const scalarF32 = new Float32Array(1);
const scalarU32 = new Uint32Array(scalarF32.buffer);

/** The float32 value of a bfloat16 word (exact: bfloat16 is the top half of a float32). */
export function bf16ToF32(bits: number): number {
  scalarU32[0] = (bits & 0xffff) << 16;
  return scalarF32[0];
}

/**
 * Rounds a number to float32, then to bfloat16 with round-to-nearest, ties to even; returns the 16-bit word.
 * Overflow gives ±Infinity; every NaN becomes the one quiet NaN 0x7fc0: a NaN's low payload bits would
 * otherwise round into an Infinity, and the sign of a NaN produced by arithmetic differs between CPUs,
 * which would let ranks on different hardware disagree on bits.
 */
export function f32ToBf16(value: number): number {
  scalarF32[0] = value;
  return roundBitsToBf16(scalarU32[0]);
}

/** Rounds float32 bits (as int32 or uint32) to a bfloat16 word. */
export function roundBitsToBf16(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  // Adding 0x7fff plus the lowest kept bit carries into bit 16 exactly when the dropped half exceeds
  // one half ulp, or equals it and the kept value is odd: round-to-nearest-even. For every non-NaN
  // pattern the sum stays inside int32 (the sign and exponent only ever carry towards ±Infinity).
  return (((bits | 0) + 0x7fff + ((bits >> 16) & 1)) >> 16) & 0xffff;
}

/**
 * The arguments every combine takes (combineInto, its JS reference and its wasm path): element type, `sum`
 * or `max`, destination and its first index, source and its first index, element count, and the divisor a
 * float `sum` is divided by (1: none). R is what it returns.
 */
export type Combine<R = void> = (
  dtype: DType,
  op: 'sum' | 'max',
  dst: ElementArray,
  dstStart: number,
  src: ElementArray,
  srcStart: number,
  count: number,
  divisor?: number,
) => R;

/**
 * dst[dstStart + i] = op(dst[dstStart + i], src[srcStart + i]) for i < count, in wasm SIMD when both arrays
 * live in kernel memory (reduce-wasm.ts), else by the JS reference combineIntoJs; both follow the rules below
 * and give the same bits (NaN payloads of float32 aside: any NaN stays a NaN). Arguments as combineIntoJs.
 */
export const combineInto: Combine = (dtype, op, dst, dstStart, src, srcStart, count, divisor = 1) => {
  if (!combineWasm(dtype, op, dst, dstStart, src, srcStart, count, divisor)) combineIntoJs(dtype, op, dst, dstStart, src, srcStart, count, divisor);
};

/**
 * The JS reference of combineInto:
 * dst[dstStart + i] = op(dst[dstStart + i], src[srcStart + i]) for i < count; with op `sum`, the sum is then
 * divided by `divisor` when it is not 1 (used by `mean`: the rank that completes a sum divides it before
 * rounding; `max` ignores the divisor). `dst` and `src` must both be arrays of `dtype`.
 *
 * - float32: each operation is an IEEE float32 operation (computed in double and rounded once, which is
 *   exact for + and /). max propagates NaN and orders −0 below +0.
 * - bfloat16: both operands widened to float32, combined (and divided) in float32, rounded once back to
 *   bfloat16 with round-to-nearest-even.
 * - integer types: sum wraps around modulo 2^width (two's complement for signed types), as the hardware does.
 * `op` must be `sum` or `max`; `mean` is `sum` with divisor = world size.
 */
export const combineIntoJs: Combine = (dtype, op, dst, dstStart, src, srcStart, count, divisor = 1) => {
  if (dtype === 'bfloat16') combineBf16(op, dst as Uint16Array, dstStart, src as Uint16Array, srcStart, count, divisor);
  else if (op === 'max') MAX_KERNELS[dtype](dst as never, dstStart, src as never, srcStart, count);
  else if (divisor !== 1) sumDivideF32(dst as Float32Array, dstStart, src as Float32Array, srcStart, count, divisor);
  else SUM_KERNELS[dtype](dst as never, dstStart, src as never, srcStart, count);
};

type Kernel<A> = (dst: A, dstStart: number, src: A, srcStart: number, count: number) => void;

// One function literal per element type on purpose: each gets its own type feedback, so every loop is
// compiled for a single typed-array kind (a shared loop over seven kinds runs several times slower).
// The typed-array store does the float32 rounding or the integer wrap-around.
const SUM_KERNELS: { [K in Exclude<DType, 'bfloat16'>]: Kernel<DTypeArray<K>> } = {
  float32: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) d[ds + i] += s[ss + i]; },
  int8: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) d[ds + i] += s[ss + i]; },
  int16: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) d[ds + i] += s[ss + i]; },
  int32: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) d[ds + i] += s[ss + i]; },
  uint8: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) d[ds + i] += s[ss + i]; },
  uint32: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) d[ds + i] += s[ss + i]; },
};

const MAX_KERNELS: { [K in Exclude<DType, 'bfloat16'>]: Kernel<DTypeArray<K>> } = {
  // Math.max, unlike a comparison, propagates NaN and puts +0 above −0 whatever the operand order.
  float32: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) d[ds + i] = Math.max(d[ds + i], s[ss + i]); },
  int8: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) if (s[ss + i] > d[ds + i]) d[ds + i] = s[ss + i]; },
  int16: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) if (s[ss + i] > d[ds + i]) d[ds + i] = s[ss + i]; },
  int32: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) if (s[ss + i] > d[ds + i]) d[ds + i] = s[ss + i]; },
  uint8: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) if (s[ss + i] > d[ds + i]) d[ds + i] = s[ss + i]; },
  uint32: (d, ds, s, ss, n) => { for (let i = 0; i < n; i++) if (s[ss + i] > d[ds + i]) d[ds + i] = s[ss + i]; },
};

function sumDivideF32(d: Float32Array, ds: number, s: Float32Array, ss: number, n: number, divisor: number): void {
  for (let i = 0; i < n; i++) d[ds + i] = Math.fround(d[ds + i] + s[ss + i]) / divisor;
}

// bfloat16 is reduced tile by tile through two float32 buffers viewed as (signed, so they stay small
// integers for the JIT) bits: the per-element conversion is a shift rather than a scalar round trip.
// The tiles are allocated once per process.
const TILE = 1024;
const tileA = new Float32Array(TILE);
const tileB = new Float32Array(TILE);
const tileABits = new Int32Array(tileA.buffer);
const tileBBits = new Int32Array(tileB.buffer);

function combineBf16(
  op: 'sum' | 'max',
  dst: Uint16Array,
  dstStart: number,
  src: Uint16Array,
  srcStart: number,
  count: number,
  divisor: number,
): void {
  for (let base = 0; base < count; base += TILE) {
    const n = Math.min(TILE, count - base);
    const d0 = dstStart + base;
    const s0 = srcStart + base;
    for (let i = 0; i < n; i++) {
      tileABits[i] = dst[d0 + i] << 16;
      tileBBits[i] = src[s0 + i] << 16;
    }
    if (op === 'max') for (let i = 0; i < n; i++) tileA[i] = Math.max(tileA[i], tileB[i]);
    else if (divisor !== 1) for (let i = 0; i < n; i++) tileA[i] = Math.fround(tileA[i] + tileB[i]) / divisor;
    else for (let i = 0; i < n; i++) tileA[i] += tileB[i];
    for (let i = 0; i < n; i++) dst[d0 + i] = roundBitsToBf16(tileABits[i]);
  }
}

/** The `sum`/`max` step behind a ReduceOp (mean is carried as sum plus a final division). */
export function combineOpOf(op: ReduceOp): 'sum' | 'max' {
  return op === 'max' ? 'max' : 'sum';
}
