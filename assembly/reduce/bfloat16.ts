// bfloat16 reductions: both words widened to float32, combined in float32, rounded once back to bfloat16
// (round to nearest, ties to even; every NaN becomes 0x7fc0, as assembly/bf16.ts and reduce-ops.ts do).

import { OP_MAX, OP_SUM, OP_SUM_DIV, applyLanes, applyScalar } from './float-op';

/** dst[i] = bf16(f32(dst[i]) + f32(src[i])) for i < n. */
export function sumBf16(dst: usize, src: usize, n: i32): void {
  combine(dst, src, n, OP_SUM, 1);
}

/** dst[i] = bf16((f32(dst[i]) + f32(src[i])) / divisor) for i < n: one rounding after the division. */
export function sumDivBf16(dst: usize, src: usize, n: i32, divisor: f32): void {
  combine(dst, src, n, OP_SUM_DIV, divisor);
}

/** dst[i] = bf16(max(f32(dst[i]), f32(src[i]))) for i < n. */
export function maxBf16(dst: usize, src: usize, n: i32): void {
  combine(dst, src, n, OP_MAX, 1);
}

@inline
function combine(dst: usize, src: usize, n: i32, op: i32, divisor: f32): void {
  const d = f32x4.splat(divisor);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = dst + (<usize>i << 1);
    const a = v128.load(p);
    const b = v128.load(src + (<usize>i << 1));
    const lo = applyLanes(widenLow(a), widenLow(b), op, d);
    const hi = applyLanes(widenHigh(a), widenHigh(b), op, d);
    v128.store(p, i16x8.narrow_i32x4_u(roundLanes(lo), roundLanes(hi)));
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 1);
    const a = reinterpret<f32>(<u32>load<u16>(p) << 16);
    const b = reinterpret<f32>(<u32>load<u16>(src + (<usize>i << 1)) << 16);
    const r = applyScalar(a, b, op, divisor);
    store<u16>(p, roundScalar(reinterpret<u32>(r)));
  }
}


@inline
function widenLow(words: v128): v128 {
  return i32x4.shl(i32x4.extend_low_i16x8_u(words), 16);
}

@inline
function widenHigh(words: v128): v128 {
  return i32x4.shl(i32x4.extend_high_i16x8_u(words), 16);
}

// (bits + 0x7fff + lowest kept bit) >>> 16 rounds to nearest even; NaN lanes become the quiet NaN 0x7fc0.
@inline
function roundLanes(bits: v128): v128 {
  const isNaN = i32x4.gt_u(v128.and(bits, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000));
  const lsb = v128.and(i32x4.shr_u(bits, 16), i32x4.splat(1));
  const rounded = i32x4.shr_u(i32x4.add(i32x4.add(bits, i32x4.splat(0x7fff)), lsb), 16);
  return v128.bitselect(i32x4.splat(0x7fc0), rounded, isNaN);
}

@inline
function roundScalar(bits: u32): u16 {
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return <u16>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}
