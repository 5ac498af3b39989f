// Pass 2 of the quantisers: q = clamp(Q(c), −s, s) for values [begin, end) of one segment, packed into p-bit codes.
//
// Q is either round-to-nearest-even of f32(c·k) or stochastic rounding of f32(|c|·k)
// with counter-hash bits. Values sharing a word with another segment (at most a few
// at each end) are written one at a time with clear-and-set, so segments can be
// coded one after the other into one buffer; whole bytes in between are written
// 16 bytes at a time. For p = 8 every value owns its byte, which is also the int8
// code layout (Int8Array), so the same kernel serves quantizeInt8.

import { lionC1, lionC4 } from './scale';
import { counterBits, counterBitsX4 } from './hash';

/** 2^−24: turns the top 24 hash bits into a float uniform in [0, 1), exactly. */
const INV_2_24: f32 = 5.9604644775390625e-8;

@inline function quantX4(fused: bool, stochastic: bool, src: usize, g: usize, b1: v128, omb1: v128, k: v128, key: v128, i: i32): v128 {
  const off = <usize>i << 2;
  const c = fused ? lionC4(src, g, b1, omb1, off) : v128.load(src + off);
  if (!stochastic) return i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(c, k)));
  const a = f32x4.mul(f32x4.abs(c), k);
  const floor = f32x4.floor(a);
  const frac = f32x4.sub(a, floor);
  const index = i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
  const u = f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(counterBitsX4(index, key), 8)), f32x4.splat(INV_2_24));
  const magnitude = f32x4.add(floor, v128.and(f32x4.lt(u, frac), f32x4.splat(1)));
  return i32x4.trunc_sat_f32x4_s(v128.or(magnitude, v128.and(c, i32x4.splat(0x80000000))));
}

@inline function quant1(fused: bool, stochastic: bool, src: usize, g: usize, b1: f32, omb1: f32, k: f32, s: i32, key: u32, i: i32): i32 {
  const off = <usize>i << 2;
  const c = fused ? lionC1(src, g, b1, omb1, off) : load<f32>(src + off);
  let x: f32;
  if (!stochastic) {
    x = nearest<f32>(c * k);
  } else {
    const a = abs<f32>(c) * k;
    const floor = Mathf.floor(a);
    const u = <f32>(counterBits(<u32>i, key) >>> 8) * INV_2_24;
    x = floor + (u < a - floor ? <f32>1 : <f32>0);
    if (c < 0) x = -x;
  }
  if (x != x) return 0;
  const sf = <f32>s;
  if (x > sf) return s;
  if (x < -sf) return -s;
  return <i32>x;
}

/** Saturating narrow of 16 i32 lanes to i8, then clamp to [−s, s]: equal to clamping first. */
@inline function narrowClamp(q0: v128, q1: v128, q2: v128, q3: v128, hi: v128, lo: v128): v128 {
  const b = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3));
  return i8x16.max_s(i8x16.min_s(b, hi), lo);
}

/** 16 bytes, each a value in its low `half` bits, paired into bytes (even index in the low half). */
@inline function pairBytes(a: v128, b: v128, half: i32): v128 {
  const lowMask: i32 = (1 << half) - 1;
  const low = i16x8.splat(<i16>lowMask);
  const high = i16x8.splat(<i16>(lowMask << half));
  const pa = v128.or(v128.and(a, low), v128.and(i16x8.shr_u(a, 8 - half), high));
  const pb = v128.or(v128.and(b, low), v128.and(i16x8.shr_u(b, 8 - half), high));
  return i8x16.narrow_i16x8_u(pa, pb);
}

@inline function store1(bits: i32, dst: usize, i: i32, q: i32): void {
  if (bits == 8) {
    store<i8>(dst + <usize>i, <i8>q);
    return;
  }
  const bit = <u32>i * <u32>bits;
  const addr = dst + ((<usize>bit >>> 5) << 2);
  const shift = bit & 31;
  const mask: u32 = ((1 << bits) - 1) << shift;
  store<u32>(addr, (load<u32>(addr) & ~mask) | ((<u32>q << shift) & mask));
}

/** 1 unless the gradient value at index i (fused only) is NaN or ±∞. */
@inline function finite1(fused: bool, g: usize, i: i32): bool {
  return !fused || (load<u32>(g + (<usize>i << 2)) & 0x7f800000) != 0x7f800000;
}

/** All-ones lanes where one of the `count` gradient values from index i (fused only; count a multiple of 16) is NaN or ±∞. */
@inline function nonFiniteLanes(g: usize, i: i32, count: i32): v128 {
  const exponent = i32x4.splat(0x7f800000);
  let bad = i32x4.splat(0);
  for (let j = 0; j < count; j += 16) {
    const p = g + (<usize>(i + j) << 2);
    bad = v128.or(bad, v128.or(
      v128.or(i32x4.eq(v128.and(v128.load(p), exponent), exponent), i32x4.eq(v128.and(v128.load(p, 16), exponent), exponent)),
      v128.or(i32x4.eq(v128.and(v128.load(p, 32), exponent), exponent), i32x4.eq(v128.and(v128.load(p, 48), exponent), exponent))));
  }
  return bad;
}

/** m' = b2·m + omb2·g for one value (Lion's momentum update), staged while the fused pass has m and g at hand. */
@inline function stage1(m: usize, g: usize, mOut: usize, b2: f32, omb2: f32, i: i32): void {
  const off = <usize>i << 2;
  store<f32>(mOut + off, b2 * load<f32>(m + off) + omb2 * load<f32>(g + off));
}

/** stage1 for the `count` values from index i (count a multiple of 4). */
@inline function stageLanes(m: usize, g: usize, mOut: usize, b2: v128, omb2: v128, i: i32, count: i32): void {
  for (let j = 0; j < count; j += 4) {
    const off = <usize>(i + j) << 2;
    v128.store(mOut + off, f32x4.add(f32x4.mul(b2, v128.load(m + off)), f32x4.mul(omb2, v128.load(g + off))));
  }
}

/**
 * Packs [begin, end). Returns 1 when every gradient value read was finite (fused), 0 when one was NaN or ±∞: the
 * finiteness test in the same pass (the g lanes are re-read from cache); always 1 when not fused. With `stage` (fused
 * only) also writes Lion's next momentum m' = b2·m + omb2·g of the range to `mOut`.
 */
@inline function packRange(bits: i32, fused: bool, stochastic: bool, src: usize, g: usize, b1s: f32, omb1s: f32,
  begin: i32, end: i32, ks: f32, s: i32, keys: u32, dst: usize, stage: bool, mOut: usize, b2s: f32, omb2s: f32): i32 {
  const b2 = f32x4.splat(b2s);
  const omb2 = f32x4.splat(omb2s);
  const b1 = f32x4.splat(b1s);
  const omb1 = f32x4.splat(omb1s);
  const k = f32x4.splat(ks);
  const key = i32x4.splat(keys);
  const hi = i8x16.splat(<i8>s);
  const lo = i8x16.splat(<i8>-s);
  const perByte = 8 / bits;
  let finite = true;
  let bad = i32x4.splat(0);
  let i = begin;
  while (i < end && (i & (perByte - 1)) != 0) {
    store1(bits, dst, i, quant1(fused, stochastic, src, g, b1s, omb1s, ks, s, keys, i));
    if (stage) stage1(src, g, mOut, b2s, omb2s, i);
    finite = finite && finite1(fused, g, i);
    i++;
  }
  const chunk = 16 * perByte;
  for (; i + chunk <= end; i += chunk) {
    if (fused) bad = v128.or(bad, nonFiniteLanes(g, i, chunk));
    if (stage) stageLanes(src, g, mOut, b2, omb2, i, chunk);
    const a = narrowClamp(
      quantX4(fused, stochastic, src, g, b1, omb1, k, key, i), quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 4),
      quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 8), quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 12), hi, lo);
    const out = dst + <usize>(i / perByte);
    if (bits == 8) {
      v128.store(out, a);
      continue;
    }
    const b = narrowClamp(
      quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 16), quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 20),
      quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 24), quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 28), hi, lo);
    if (bits == 4) {
      v128.store(out, pairBytes(a, b, 4));
      continue;
    }
    const c = narrowClamp(
      quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 32), quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 36),
      quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 40), quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 44), hi, lo);
    const d = narrowClamp(
      quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 48), quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 52),
      quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 56), quantX4(fused, stochastic, src, g, b1, omb1, k, key, i + 60), hi, lo);
    // 2 bits: pairs of values become nibbles, then pairs of nibbles become bytes.
    v128.store(out, pairBytes(pairBytes(a, b, 2), pairBytes(c, d, 2), 4));
  }
  for (; i < end; i++) {
    store1(bits, dst, i, quant1(fused, stochastic, src, g, b1s, omb1s, ks, s, keys, i));
    if (stage) stage1(src, g, mOut, b2s, omb2s, i);
    finite = finite && finite1(fused, g, i);
  }
  return finite && !v128.any_true(bad) ? 1 : 0;
}

@inline function packAnyBits(bits: i32, fused: bool, stochastic: bool, src: usize, g: usize, b1: f32, omb1: f32,
  begin: i32, end: i32, k: f32, s: i32, key: u32, dst: usize, stage: bool = false, mOut: usize = 0, b2: f32 = 0, omb2: f32 = 0): i32 {
  if (bits == 2) return packRange(2, fused, stochastic, src, g, b1, omb1, begin, end, k, s, key, dst, stage, mOut, b2, omb2);
  if (bits == 4) return packRange(4, fused, stochastic, src, g, b1, omb1, begin, end, k, s, key, dst, stage, mOut, b2, omb2);
  return packRange(8, fused, stochastic, src, g, b1, omb1, begin, end, k, s, key, dst, stage, mOut, b2, omb2);
}

/** Codes c[begin, end) (c: floats at byte offset `src`, indexed from 0) with q = clamp(nearest(f32(c·k)), −s, s). */
export function quantRange(src: usize, begin: i32, end: i32, k: f32, s: i32, bits: i32, dst: usize): void {
  packAnyBits(bits, false, false, src, 0, 0, 0, begin, end, k, s, 0, dst);
}

/** quantRange with c = b1·m + omb1·g computed on the fly; returns 1 when every g of the range is finite, else 0. */
export function lionQuantRange(m: usize, g: usize, b1: f32, omb1: f32, begin: i32, end: i32, k: f32, s: i32, bits: i32, dst: usize): i32 {
  return packAnyBits(bits, true, false, m, g, b1, omb1, begin, end, k, s, 0, dst);
}

/** Stochastic rounding: |q| = floor(a) + [u_i < a − floor(a)], a = f32(|c|·k), u_i from counterBits(i, key). */
export function stochasticRange(src: usize, begin: i32, end: i32, k: f32, s: i32, key: u32, bits: i32, dst: usize): void {
  packAnyBits(bits, false, true, src, 0, 0, 0, begin, end, k, s, key, dst);
}

/** stochasticRange with c = b1·m + omb1·g; returns 1 when every g of the range is finite, else 0. */
export function lionStochasticRange(m: usize, g: usize, b1: f32, omb1: f32, begin: i32, end: i32, k: f32, s: i32, key: u32, bits: i32, dst: usize): i32 {
  return packAnyBits(bits, true, true, m, g, b1, omb1, begin, end, k, s, key, dst);
}

/** lionQuantRange that also stages m' = b2·m + omb2·g of the range into `mOut` (not overlapping m or g). */
export function lionQuantRangeStaged(m: usize, g: usize, b1: f32, omb1: f32, begin: i32, end: i32, k: f32, s: i32, bits: i32, dst: usize,
  mOut: usize, b2: f32, omb2: f32): i32 {
  return packAnyBits(bits, true, false, m, g, b1, omb1, begin, end, k, s, 0, dst, true, mOut, b2, omb2);
}

/** lionStochasticRange that also stages m' as lionQuantRangeStaged does. */
export function lionStochasticRangeStaged(m: usize, g: usize, b1: f32, omb1: f32, begin: i32, end: i32, k: f32, s: i32, key: u32, bits: i32,
  dst: usize, mOut: usize, b2: f32, omb2: f32): i32 {
  return packAnyBits(bits, true, true, m, g, b1, omb1, begin, end, k, s, key, dst, true, mOut, b2, omb2);
}
