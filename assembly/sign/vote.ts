// Majority vote and vote tally of N packed sign codes, computed on bit planes.
//
// The count k of 1 bits at each bit position is kept bit-sliced: plane j holds bit j of
// the count for all 128 positions of a column (4 words). The counter starts at a bias
// B = 2^P − 1 − ⌊N/2⌋ instead of 0, so that after adding the N inputs
//   k > ⌊N/2⌋  ⟺  the counter reached 2^P  ⟺  plane P is set,
//   k = ⌊N/2⌋  ⟺  planes 0..P−1 are all ones and plane P is clear,
// and the decision needs no comparison against N. The tie mask is the parity word for
// even N and 0 for odd N (where k = ⌊N/2⌋ is a minority).

import { bitLanes, parityWord } from './lanes';

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
