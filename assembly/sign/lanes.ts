// Lane helpers shared by the "sign" kernels: the parity rule, code bits of floats, bits of code words as lanes.

export const SIGN_BIT: i32 = i32.MIN_VALUE;

/** Sign-bit lanes of the parity rule for 4 values starting at an even index: bit (i + step) & 1. */
@inline export function parityLanes(step: i32): v128 {
  return (step & 1) == 0 ? i32x4(0, SIGN_BIT, 0, SIGN_BIT) : i32x4(SIGN_BIT, 0, SIGN_BIT, 0);
}

/** 32 parity bits: 0xAAAAAAAA at even steps, 0x55555555 at odd ones. */
@inline export function parityWord(step: i32): i32 {
  return (step & 1) == 0 ? <i32>0xaaaaaaaa : 0x55555555;
}

/**
 * `v` with the sign of every ±0 or NaN lane replaced by the parity lane's sign.
 * |x| > 0 is false exactly for zeros and NaN, so one compare finds both.
 */
@inline export function codeLanes(v: v128, parity: v128): v128 {
  return v128.bitselect(v, parity, f32x4.gt(f32x4.abs(v), f32x4.splat(0)));
}

/**
 * The 32 sign bits of 8 vectors (4 lanes each, in value order) as one word.
 * Signed saturating narrowing keeps each lane's sign, so two narrowings put 16
 * signs in one vector and a single bitmask reads them.
 */
@inline export function signWord(a: v128, b: v128, c: v128, d: v128, e: v128, f: v128, g: v128, h: v128): i32 {
  const lo = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
  const hi = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(e, f), i16x8.narrow_i32x4_s(g, h));
  return i8x16.bitmask(lo) | (i8x16.bitmask(hi) << 16);
}

/** Code bit of one float given as raw bits, with the parity rule for ±0 and NaN. */
@inline export function codeBit(bits: u32, index: i32, step: i32): u32 {
  const magnitude = bits & 0x7fffffff;
  if (magnitude == 0 || magnitude > 0x7f800000) return <u32>((index + step) & 1);
  return bits >>> 31;
}

/** Lanes of `word` bits 4·block .. 4·block+3 as all-ones (bit set) or all-zeros. */
@inline export function bitLanes(word: v128, block: i32): v128 {
  const select = i32x4.shl(i32x4(1, 2, 4, 8), block << 2);
  return i32x4.eq(v128.and(word, select), select);
}
