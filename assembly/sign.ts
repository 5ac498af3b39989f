// WebAssembly SIMD kernels of the 1-bit sign code (docs/wire-format.md): pack, unpack, majority vote, fused Lion steps.
//
// Every pointer is a byte offset into the shared kernel memory. Callers validate
// lengths; kernels trust them. A full code word covers 32 floats = 8 v128 lanes
// of 4; partial words (tails, unaligned range edges) run scalar code that
// implements the same rule value by value.

const SIGN_BIT: i32 = i32.MIN_VALUE;

/** Sign-bit lanes of the parity rule for 4 values starting at an even index: bit (i + step) & 1. */
@inline function parityLanes(step: i32): v128 {
  return (step & 1) == 0 ? i32x4(0, SIGN_BIT, 0, SIGN_BIT) : i32x4(SIGN_BIT, 0, SIGN_BIT, 0);
}

/** 32 parity bits: 0xAAAAAAAA at even steps, 0x55555555 at odd ones. */
@inline function parityWord(step: i32): i32 {
  return (step & 1) == 0 ? <i32>0xaaaaaaaa : 0x55555555;
}

/**
 * `v` with the sign of every ±0 or NaN lane replaced by the parity lane's sign.
 * |x| > 0 is false exactly for zeros and NaN, so one compare finds both.
 */
@inline function codeLanes(v: v128, parity: v128): v128 {
  return v128.bitselect(v, parity, f32x4.gt(f32x4.abs(v), f32x4.splat(0)));
}

/**
 * The 32 sign bits of 8 vectors (4 lanes each, in value order) as one word.
 * Signed saturating narrowing keeps each lane's sign, so two narrowings put 16
 * signs in one vector and a single bitmask reads them.
 */
@inline function signWord(a: v128, b: v128, c: v128, d: v128, e: v128, f: v128, g: v128, h: v128): i32 {
  const lo = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
  const hi = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(e, f), i16x8.narrow_i32x4_s(g, h));
  return i8x16.bitmask(lo) | (i8x16.bitmask(hi) << 16);
}

/** Code bit of one float given as raw bits, with the parity rule for ±0 and NaN. */
@inline function codeBit(bits: u32, index: i32, step: i32): u32 {
  const magnitude = bits & 0x7fffffff;
  if (magnitude == 0 || magnitude > 0x7f800000) return <u32>((index + step) & 1);
  return bits >>> 31;
}

/** Lanes of `word` bits 4·block .. 4·block+3 as all-ones (bit set) or all-zeros. */
@inline function bitLanes(word: v128, block: i32): v128 {
  const select = i32x4.shl(i32x4(1, 2, 4, 8), block << 2);
  return i32x4.eq(v128.and(word, select), select);
}

export function packSigns(src: usize, dst: usize, numValues: i32, step: i32): void {
  const parity = parityLanes(step);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const p = src + (<usize>w << 7);
    const word = signWord(
      codeLanes(v128.load(p), parity), codeLanes(v128.load(p, 16), parity),
      codeLanes(v128.load(p, 32), parity), codeLanes(v128.load(p, 48), parity),
      codeLanes(v128.load(p, 64), parity), codeLanes(v128.load(p, 80), parity),
      codeLanes(v128.load(p, 96), parity), codeLanes(v128.load(p, 112), parity));
    store<i32>(dst + (<usize>w << 2), word);
  }
  const rest = numValues & 31;
  if (rest == 0) return;
  const base = src + (<usize>fullWords << 7);
  let word: u32 = 0;
  for (let j = 0; j < rest; j++) word |= codeBit(load<u32>(base + (<usize>j << 2)), j, step) << j;
  store<u32>(dst + (<usize>fullWords << 2), word);
}

export function unpackSigns(code: usize, numValues: i32, dst: usize): void {
  const one = f32x4.splat(1);
  const signBit = i32x4.splat(SIGN_BIT);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const word = v128.load32_splat(code + (<usize>w << 2));
    const p = dst + (<usize>w << 7);
    for (let b = 0; b < 8; b++) {
      v128.store(p + (<usize>b << 4), v128.or(one, v128.and(bitLanes(word, b), signBit)));
    }
  }
  const rest = numValues & 31;
  if (rest == 0) return;
  const word = load<u32>(code + (<usize>fullWords << 2));
  const p = dst + (<usize>fullWords << 7);
  for (let j = 0; j < rest; j++) store<f32>(p + (<usize>j << 2), (word >>> j) & 1 ? <f32>-1.0 : <f32>1.0);
}

// ---- majority vote on bit planes ----
//
// The count k of 1 bits at each bit position is kept bit-sliced: plane j holds bit j of
// the count for all 128 positions of a column (4 words). The counter starts at a bias
// B = 2^P − 1 − ⌊N/2⌋ instead of 0, so that after adding the N inputs
//   k > ⌊N/2⌋  ⟺  the counter reached 2^P  ⟺  plane P is set,
//   k = ⌊N/2⌋  ⟺  planes 0..P−1 are all ones and plane P is clear,
// and the decision needs no comparison against N. The tie mask is the parity word for
// even N and 0 for odd N (where k = ⌊N/2⌋ is a minority).

/** All-ones lanes where bit `j` of `bits` is set. */
@inline function planeOf(bits: i32, j: i32): v128 {
  return i32x4.splat(-((bits >>> j) & 1));
}

@inline function loadColumn(p: usize, wide: bool): v128 {
  return wide ? v128.load(p) : v128.load32_zero(p);
}

/**
 * Vote bits of one column over n ≤ 15 inputs `stride` bytes apart: a 5-plane counter
 * biased by 15 − ⌊n/2⌋ (passed as planes b3..b0), one ripple-carry increment per input.
 */
@inline function voteColumnSmall(ptr: usize, stride: usize, n: i32, b0: v128, b1: v128, b2: v128, b3: v128, tie: v128, wide: bool): v128 {
  let l0 = b0, l1 = b1, l2 = b2, l3 = b3, l4 = i32x4.splat(0);
  let p = ptr;
  for (let k = 0; k < n; k++) {
    const x = loadColumn(p, wide);
    p += stride;
    const c0 = v128.and(l0, x); l0 = v128.xor(l0, x);
    const c1 = v128.and(l1, c0); l1 = v128.xor(l1, c0);
    const c2 = v128.and(l2, c1); l2 = v128.xor(l2, c1);
    const c3 = v128.and(l3, c2); l3 = v128.xor(l3, c2);
    l4 = v128.or(l4, c3);
  }
  return v128.or(l4, v128.and(v128.and(v128.and(l0, l1), v128.and(l2, l3)), tie));
}

/**
 * Vote bits of one column over any n ≤ 4095 inputs: chunks of up to 15 inputs are counted
 * in a 4-plane counter (cheap increments), then ripple-added into a 13-plane total biased
 * by 4095 − ⌊n/2⌋.
 */
@inline function voteColumnLarge(ptr: usize, stride: usize, n: i32, bias: i32, tie: v128, wide: bool): v128 {
  let h0 = planeOf(bias, 0), h1 = planeOf(bias, 1), h2 = planeOf(bias, 2), h3 = planeOf(bias, 3);
  let h4 = planeOf(bias, 4), h5 = planeOf(bias, 5), h6 = planeOf(bias, 6), h7 = planeOf(bias, 7);
  let h8 = planeOf(bias, 8), h9 = planeOf(bias, 9), h10 = planeOf(bias, 10), h11 = planeOf(bias, 11);
  let h12 = i32x4.splat(0);
  let p = ptr;
  for (let done = 0; done < n;) {
    const chunk = min(n - done, 15);
    done += chunk;
    const zero = i32x4.splat(0);
    let l0 = zero, l1 = zero, l2 = zero, l3 = zero;
    for (let k = 0; k < chunk; k++) {
      const x = loadColumn(p, wide);
      p += stride;
      const c0 = v128.and(l0, x); l0 = v128.xor(l0, x);
      const c1 = v128.and(l1, c0); l1 = v128.xor(l1, c0);
      const c2 = v128.and(l2, c1); l2 = v128.xor(l2, c1);
      l3 = v128.xor(l3, c2);
    }
    // full adders for planes 0..3, then the carry ripples up through 4..12
    let t = v128.xor(h0, l0); let c = v128.and(h0, l0); h0 = t;
    t = v128.xor(h1, l1); let s = v128.xor(t, c); c = v128.or(v128.and(h1, l1), v128.and(t, c)); h1 = s;
    t = v128.xor(h2, l2); s = v128.xor(t, c); c = v128.or(v128.and(h2, l2), v128.and(t, c)); h2 = s;
    t = v128.xor(h3, l3); s = v128.xor(t, c); c = v128.or(v128.and(h3, l3), v128.and(t, c)); h3 = s;
    t = v128.and(h4, c); h4 = v128.xor(h4, c); c = t;
    t = v128.and(h5, c); h5 = v128.xor(h5, c); c = t;
    t = v128.and(h6, c); h6 = v128.xor(h6, c); c = t;
    t = v128.and(h7, c); h7 = v128.xor(h7, c); c = t;
    t = v128.and(h8, c); h8 = v128.xor(h8, c); c = t;
    t = v128.and(h9, c); h9 = v128.xor(h9, c); c = t;
    t = v128.and(h10, c); h10 = v128.xor(h10, c); c = t;
    t = v128.and(h11, c); h11 = v128.xor(h11, c); c = t;
    h12 = v128.or(h12, c);
  }
  const low = v128.and(
    v128.and(v128.and(v128.and(h0, h1), v128.and(h2, h3)), v128.and(v128.and(h4, h5), v128.and(h6, h7))),
    v128.and(v128.and(h8, h9), v128.and(h10, h11)));
  return v128.or(h12, v128.and(low, tie));
}

export function voteSigns(stacked: usize, numVectors: i32, wordsPerVector: i32, dst: usize, step: i32): void {
  const stride = <usize>wordsPerVector << 2;
  const half = numVectors >>> 1;
  const tie = (numVectors & 1) == 0 ? i32x4.splat(parityWord(step)) : i32x4.splat(0);
  const columns = wordsPerVector >>> 2;
  if (numVectors <= 15) {
    const bias = 15 - half;
    const b0 = planeOf(bias, 0), b1 = planeOf(bias, 1), b2 = planeOf(bias, 2), b3 = planeOf(bias, 3);
    for (let c = 0; c < columns; c++) {
      const o = <usize>c << 4;
      v128.store(dst + o, voteColumnSmall(stacked + o, stride, numVectors, b0, b1, b2, b3, tie, true));
    }
    for (let w = columns << 2; w < wordsPerVector; w++) {
      const o = <usize>w << 2;
      v128.store32_lane(dst + o, voteColumnSmall(stacked + o, stride, numVectors, b0, b1, b2, b3, tie, false), 0);
    }
    return;
  }
  const bias = 4095 - half;
  for (let c = 0; c < columns; c++) {
    const o = <usize>c << 4;
    v128.store(dst + o, voteColumnLarge(stacked + o, stride, numVectors, bias, tie, true));
  }
  for (let w = columns << 2; w < wordsPerVector; w++) {
    const o = <usize>w << 2;
    v128.store32_lane(dst + o, voteColumnLarge(stacked + o, stride, numVectors, bias, tie, false), 0);
  }
}

/**
 * dst[i] = N − 2·k_i for the first numValues values (k_i = codes with bit i set): per word,
 * 8 vectors of 4 lane counters each gather −1 for every set bit over the N codes.
 */
export function tallySigns(stacked: usize, numVectors: i32, wordsPerVector: i32, numValues: i32, dst: usize): void {
  const stride = <usize>wordsPerVector << 2;
  const total = i32x4.splat(numVectors);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const zero = i32x4.splat(0);
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
    let p = stacked + (<usize>w << 2);
    for (let k = 0; k < numVectors; k++) {
      const word = v128.load32_splat(p);
      p += stride;
      a0 = i32x4.add(a0, bitLanes(word, 0)); a1 = i32x4.add(a1, bitLanes(word, 1));
      a2 = i32x4.add(a2, bitLanes(word, 2)); a3 = i32x4.add(a3, bitLanes(word, 3));
      a4 = i32x4.add(a4, bitLanes(word, 4)); a5 = i32x4.add(a5, bitLanes(word, 5));
      a6 = i32x4.add(a6, bitLanes(word, 6)); a7 = i32x4.add(a7, bitLanes(word, 7));
    }
    // the a_b hold −k: N + 2·(−k)
    const out = dst + (<usize>w << 7);
    v128.store(out, i32x4.add(total, i32x4.shl(a0, 1)));
    v128.store(out, i32x4.add(total, i32x4.shl(a1, 1)), 16);
    v128.store(out, i32x4.add(total, i32x4.shl(a2, 1)), 32);
    v128.store(out, i32x4.add(total, i32x4.shl(a3, 1)), 48);
    v128.store(out, i32x4.add(total, i32x4.shl(a4, 1)), 64);
    v128.store(out, i32x4.add(total, i32x4.shl(a5, 1)), 80);
    v128.store(out, i32x4.add(total, i32x4.shl(a6, 1)), 96);
    v128.store(out, i32x4.add(total, i32x4.shl(a7, 1)), 112);
  }
  const rest = numValues & 31;
  if (rest == 0) return;
  const out = dst + (<usize>fullWords << 7);
  for (let j = 0; j < rest; j++) store<i32>(out + (<usize>j << 2), numVectors);
  let p = stacked + (<usize>fullWords << 2);
  for (let k = 0; k < numVectors; k++) {
    const word = load<u32>(p);
    p += stride;
    for (let j = 0; j < rest; j++) {
      const at = out + (<usize>j << 2);
      store<i32>(at, load<i32>(at) - <i32>(((word >>> j) & 1) << 1));
    }
  }
}

// ---- fused Lion kernels (float32, operation order fixed by src/optim) ----

/** c = b1·m + omb1·g, 4 lanes. */
@inline function preSign(m: v128, g: v128, b1: v128, omb1: v128): v128 {
  return f32x4.add(f32x4.mul(b1, m), f32x4.mul(omb1, g));
}

export function lionEncodeSign(m: usize, g: usize, beta1: f32, oneMinusBeta1: f32, dst: usize, numValues: i32, step: i32): void {
  const parity = parityLanes(step);
  const b1 = f32x4.splat(beta1), omb1 = f32x4.splat(oneMinusBeta1);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const o = <usize>w << 7;
    const pm = m + o, pg = g + o;
    const word = signWord(
      codeLanes(preSign(v128.load(pm), v128.load(pg), b1, omb1), parity),
      codeLanes(preSign(v128.load(pm, 16), v128.load(pg, 16), b1, omb1), parity),
      codeLanes(preSign(v128.load(pm, 32), v128.load(pg, 32), b1, omb1), parity),
      codeLanes(preSign(v128.load(pm, 48), v128.load(pg, 48), b1, omb1), parity),
      codeLanes(preSign(v128.load(pm, 64), v128.load(pg, 64), b1, omb1), parity),
      codeLanes(preSign(v128.load(pm, 80), v128.load(pg, 80), b1, omb1), parity),
      codeLanes(preSign(v128.load(pm, 96), v128.load(pg, 96), b1, omb1), parity),
      codeLanes(preSign(v128.load(pm, 112), v128.load(pg, 112), b1, omb1), parity));
    store<i32>(dst + (<usize>w << 2), word);
  }
  const rest = numValues & 31;
  if (rest == 0) return;
  const o = <usize>fullWords << 7;
  let word: u32 = 0;
  for (let j = 0; j < rest; j++) {
    const at = o + (<usize>j << 2);
    const c = beta1 * load<f32>(m + at) + oneMinusBeta1 * load<f32>(g + at);
    word |= codeBit(reinterpret<u32>(c), j, step) << j;
  }
  store<u32>(dst + (<usize>fullWords << 2), word);
}

/** θ ← θ·decay − lr·Δ and m ← b2·m + omb2·g for one value; Δ = −1 when `negative`. */
@inline function applyOne(theta: usize, m: usize, g: usize, negative: bool, decay: f32, lr: f32, beta2: f32, oneMinusBeta2: f32): void {
  store<f32>(theta, load<f32>(theta) * decay - (negative ? -lr : lr));
  store<f32>(m, beta2 * load<f32>(m) + oneMinusBeta2 * load<f32>(g));
}

/** The vector form of applyOne for 4 values; `negative` lanes are all-ones where Δ = −1. */
@inline function applyFour(theta: usize, m: usize, g: usize, negative: v128, decay: v128, lr: v128, b2: v128, omb2: v128): void {
  const step = v128.xor(lr, v128.and(negative, i32x4.splat(SIGN_BIT)));
  v128.store(theta, f32x4.sub(f32x4.mul(v128.load(theta), decay), step));
  v128.store(m, f32x4.add(f32x4.mul(b2, v128.load(m)), f32x4.mul(omb2, v128.load(g))));
}

export function lionApplySign(theta: usize, m: usize, g: usize, code: usize, decay: f32, lr: f32, beta2: f32, oneMinusBeta2: f32, offset: i32, length: i32): void {
  const end = offset + length;
  let i = offset;
  // scalar up to a word boundary, whole words in SIMD, scalar tail
  const head = min(end, (offset + 31) & ~31);
  for (; i < head; i++) {
    const negative = ((load<u32>(code + (<usize>(i >>> 5) << 2)) >>> (i & 31)) & 1) != 0;
    const at = <usize>i << 2;
    applyOne(theta + at, m + at, g + at, negative, decay, lr, beta2, oneMinusBeta2);
  }
  const vDecay = f32x4.splat(decay), vLr = f32x4.splat(lr), b2 = f32x4.splat(beta2), omb2 = f32x4.splat(oneMinusBeta2);
  const bodyEnd = end & ~31;
  for (; i < bodyEnd; i += 32) {
    const word = v128.load32_splat(code + (<usize>(i >>> 5) << 2));
    const at = <usize>i << 2;
    for (let b = 0; b < 8; b++) {
      const o = at + (<usize>b << 4);
      applyFour(theta + o, m + o, g + o, bitLanes(word, b), vDecay, vLr, b2, omb2);
    }
  }
  for (; i < end; i++) {
    const negative = ((load<u32>(code + (<usize>(i >>> 5) << 2)) >>> (i & 31)) & 1) != 0;
    const at = <usize>i << 2;
    applyOne(theta + at, m + at, g + at, negative, decay, lr, beta2, oneMinusBeta2);
  }
}

/** One Lion step on 4 values; returns the code lanes (sign bit = Δ is −1). */
@inline function stepFour(theta: usize, m: usize, g: usize, parity: v128, b1: v128, omb1: v128,
  decay: v128, lr: v128, b2: v128, omb2: v128): v128 {
  const mv = v128.load(m), gv = v128.load(g);
  const coded = codeLanes(preSign(mv, gv, b1, omb1), parity);
  const step = v128.xor(lr, v128.and(coded, i32x4.splat(SIGN_BIT)));
  v128.store(theta, f32x4.sub(f32x4.mul(v128.load(theta), decay), step));
  v128.store(m, f32x4.add(f32x4.mul(b2, mv), f32x4.mul(omb2, gv)));
  return coded;
}

export function lionStepSign(theta: usize, m: usize, g: usize, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  decay: f32, lr: f32, dst: usize, numValues: i32, step: i32): void {
  const parity = parityLanes(step);
  const b1 = f32x4.splat(beta1), omb1 = f32x4.splat(oneMinusBeta1), b2 = f32x4.splat(beta2), omb2 = f32x4.splat(oneMinusBeta2);
  const vDecay = f32x4.splat(decay), vLr = f32x4.splat(lr);
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const o = <usize>w << 7;
    const t = theta + o, pm = m + o, pg = g + o;
    const word = signWord(
      stepFour(t, pm, pg, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 16, pm + 16, pg + 16, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 32, pm + 32, pg + 32, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 48, pm + 48, pg + 48, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 64, pm + 64, pg + 64, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 80, pm + 80, pg + 80, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 96, pm + 96, pg + 96, parity, b1, omb1, vDecay, vLr, b2, omb2),
      stepFour(t + 112, pm + 112, pg + 112, parity, b1, omb1, vDecay, vLr, b2, omb2));
    store<i32>(dst + (<usize>w << 2), word);
  }
  const rest = numValues & 31;
  if (rest == 0) return;
  const o = <usize>fullWords << 7;
  let word: u32 = 0;
  for (let j = 0; j < rest; j++) {
    const at = o + (<usize>j << 2);
    const c = beta1 * load<f32>(m + at) + oneMinusBeta1 * load<f32>(g + at);
    const bit = codeBit(reinterpret<u32>(c), j, step);
    word |= bit << j;
    applyOne(theta + at, m + at, g + at, bit != 0, decay, lr, beta2, oneMinusBeta2);
  }
  store<u32>(dst + (<usize>fullWords << 2), word);
}
