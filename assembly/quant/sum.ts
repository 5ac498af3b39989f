// Sign of the exact sum of N stacked p-bit codes, written as a 1-bit sign code, and the same for int8 sums.
//
// Rows are read 16 bytes at a time. Their fields are sign-extended into narrow
// lanes (i8 for p = 2, 4; i16 for p = 8) and summed over at most `chunk` rows,
// few enough that the narrow lanes cannot overflow even at −2^(p−1) (p = 2: 63,
// p = 4: 15, p = 8: 255 rows). With more rows, chunk sums are widened into i32
// totals. Saturating narrowing keeps sign and zero exact, so the sign bit and the
// zero test are read from i8 lanes either way. Zero sums take the parity rule:
// `parity` is the word whose bit j is the bit of value 32·w + j (docs/wire-format.md),
// or, when a tie code is given, bit j of its word w (the owner's own sign of c).

@inline function signWord(lowHalf: v128, highHalf: v128, parity: u32): u32 {
  const zero = i8x16.splat(0);
  const neg = <u32>i8x16.bitmask(lowHalf) | (<u32>i8x16.bitmask(highHalf) << 16);
  const isZero = <u32>i8x16.bitmask(i8x16.eq(lowHalf, zero)) | (<u32>i8x16.bitmask(i8x16.eq(highHalf, zero)) << 16);
  return neg | (isZero & parity);
}

@inline function toI8(t0: v128, t1: v128, t2: v128, t3: v128): v128 {
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(t0, t1), i16x8.narrow_i32x4_s(t2, t3));
}

@inline function field8(v: v128, bits: i32, index: i32): v128 {
  // Field `index` of every byte, sign-extended: shift it to the top of the byte, then arithmetic shift down.
  const top = 8 - bits * (index + 1);
  return i8x16.shr_s(top == 0 ? v : i8x16.shl(v, top), 8 - bits);
}

@inline function addWide8(t0: v128, x: v128, part: i32): v128 {
  // part 0..3 picks bytes 4·part .. 4·part+3 of x, sign-extended to i32.
  const h = part < 2 ? i16x8.extend_low_i8x16_s(x) : i16x8.extend_high_i8x16_s(x);
  return i32x4.add(t0, (part & 1) == 0 ? i32x4.extend_low_i16x8_s(h) : i32x4.extend_high_i16x8_s(h));
}

/** p = 4: one 16-byte block per row holds 32 values and yields one sign word; `parity` decides its zero sums. */
@inline function block4(stacked: usize, numVectors: i32, rowBytes: usize, off: usize, parity: u32): u32 {
  let even = i8x16.splat(0);
  let odd = even;
  if (numVectors <= 15) {
    let p = stacked + off;
    for (let r = 0; r < numVectors; r++, p += rowBytes) {
      const v = v128.load(p);
      even = i8x16.add(even, field8(v, 4, 0));
      odd = i8x16.add(odd, field8(v, 4, 1));
    }
  } else {
    let e0 = i32x4.splat(0), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
    for (let r0 = 0; r0 < numVectors; r0 += 15) {
      const r1 = min(numVectors, r0 + 15);
      let ce = i8x16.splat(0);
      let co = ce;
      let p = stacked + <usize>r0 * rowBytes + off;
      for (let r = r0; r < r1; r++, p += rowBytes) {
        const v = v128.load(p);
        ce = i8x16.add(ce, field8(v, 4, 0));
        co = i8x16.add(co, field8(v, 4, 1));
      }
      e0 = addWide8(e0, ce, 0); e1 = addWide8(e1, ce, 1); e2 = addWide8(e2, ce, 2); e3 = addWide8(e3, ce, 3);
      o0 = addWide8(o0, co, 0); o1 = addWide8(o1, co, 1); o2 = addWide8(o2, co, 2); o3 = addWide8(o3, co, 3);
    }
    even = toI8(e0, e1, e2, e3);
    odd = toI8(o0, o1, o2, o3);
  }
  // Byte b of `even` is value 2b, of `odd` value 2b + 1: interleave back into index order.
  return signWord(
    i8x16.shuffle(even, odd, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23),
    i8x16.shuffle(even, odd, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), parity);
}

/** p = 2: one 16-byte block per row holds 64 values and yields two sign words (low word returned in the low half). */
@inline function block2(stacked: usize, numVectors: i32, rowBytes: usize, off: usize, tieLow: u32, tieHigh: u32, dst: usize): void {
  let f0 = i8x16.splat(0), f1 = f0, f2 = f0, f3 = f0;
  if (numVectors <= 63) {
    let p = stacked + off;
    for (let r = 0; r < numVectors; r++, p += rowBytes) {
      const v = v128.load(p);
      f0 = i8x16.add(f0, field8(v, 2, 0));
      f1 = i8x16.add(f1, field8(v, 2, 1));
      f2 = i8x16.add(f2, field8(v, 2, 2));
      f3 = i8x16.add(f3, field8(v, 2, 3));
    }
  } else {
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    let c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
    for (let r0 = 0; r0 < numVectors; r0 += 63) {
      const r1 = min(numVectors, r0 + 63);
      let g0 = i8x16.splat(0), g1 = g0, g2 = g0, g3 = g0;
      let p = stacked + <usize>r0 * rowBytes + off;
      for (let r = r0; r < r1; r++, p += rowBytes) {
        const v = v128.load(p);
        g0 = i8x16.add(g0, field8(v, 2, 0));
        g1 = i8x16.add(g1, field8(v, 2, 1));
        g2 = i8x16.add(g2, field8(v, 2, 2));
        g3 = i8x16.add(g3, field8(v, 2, 3));
      }
      a0 = addWide8(a0, g0, 0); a1 = addWide8(a1, g0, 1); a2 = addWide8(a2, g0, 2); a3 = addWide8(a3, g0, 3);
      b0 = addWide8(b0, g1, 0); b1 = addWide8(b1, g1, 1); b2 = addWide8(b2, g1, 2); b3 = addWide8(b3, g1, 3);
      c0 = addWide8(c0, g2, 0); c1 = addWide8(c1, g2, 1); c2 = addWide8(c2, g2, 2); c3 = addWide8(c3, g2, 3);
      d0 = addWide8(d0, g3, 0); d1 = addWide8(d1, g3, 1); d2 = addWide8(d2, g3, 2); d3 = addWide8(d3, g3, 3);
    }
    f0 = toI8(a0, a1, a2, a3);
    f1 = toI8(b0, b1, b2, b3);
    f2 = toI8(c0, c1, c2, c3);
    f3 = toI8(d0, d1, d2, d3);
  }
  // Byte b of field j is value 4b + j.
  const lo01 = i8x16.shuffle(f0, f1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const lo23 = i8x16.shuffle(f2, f3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const hi01 = i8x16.shuffle(f0, f1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const hi23 = i8x16.shuffle(f2, f3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  store<u32>(dst, signWord(
    i8x16.shuffle(lo01, lo23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23),
    i8x16.shuffle(lo01, lo23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), tieLow));
  store<u32>(dst, signWord(
    i8x16.shuffle(hi01, hi23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23),
    i8x16.shuffle(hi01, hi23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), tieHigh), 4);
}

/** p = 8: two 16-byte blocks per row (32 values) yield one sign word. */
@inline function block8(stacked: usize, numVectors: i32, rowBytes: usize, off: usize, parity: u32): u32 {
  let h0 = i16x8.splat(0), h1 = h0, h2 = h0, h3 = h0;
  if (numVectors <= 255) {
    let p = stacked + off;
    for (let r = 0; r < numVectors; r++, p += rowBytes) {
      const v = v128.load(p);
      const w = v128.load(p, 16);
      h0 = i16x8.add(h0, i16x8.extend_low_i8x16_s(v));
      h1 = i16x8.add(h1, i16x8.extend_high_i8x16_s(v));
      h2 = i16x8.add(h2, i16x8.extend_low_i8x16_s(w));
      h3 = i16x8.add(h3, i16x8.extend_high_i8x16_s(w));
    }
    return signWord(i8x16.narrow_i16x8_s(h0, h1), i8x16.narrow_i16x8_s(h2, h3), parity);
  }
  let t0 = i32x4.splat(0), t1 = t0, t2 = t0, t3 = t0, t4 = t0, t5 = t0, t6 = t0, t7 = t0;
  for (let r0 = 0; r0 < numVectors; r0 += 255) {
    const r1 = min(numVectors, r0 + 255);
    let g0 = i16x8.splat(0), g1 = g0, g2 = g0, g3 = g0;
    let p = stacked + <usize>r0 * rowBytes + off;
    for (let r = r0; r < r1; r++, p += rowBytes) {
      const v = v128.load(p);
      const w = v128.load(p, 16);
      g0 = i16x8.add(g0, i16x8.extend_low_i8x16_s(v));
      g1 = i16x8.add(g1, i16x8.extend_high_i8x16_s(v));
      g2 = i16x8.add(g2, i16x8.extend_low_i8x16_s(w));
      g3 = i16x8.add(g3, i16x8.extend_high_i8x16_s(w));
    }
    t0 = i32x4.add(t0, i32x4.extend_low_i16x8_s(g0)); t1 = i32x4.add(t1, i32x4.extend_high_i16x8_s(g0));
    t2 = i32x4.add(t2, i32x4.extend_low_i16x8_s(g1)); t3 = i32x4.add(t3, i32x4.extend_high_i16x8_s(g1));
    t4 = i32x4.add(t4, i32x4.extend_low_i16x8_s(g2)); t5 = i32x4.add(t5, i32x4.extend_high_i16x8_s(g2));
    t6 = i32x4.add(t6, i32x4.extend_low_i16x8_s(g3)); t7 = i32x4.add(t7, i32x4.extend_high_i16x8_s(g3));
  }
  return signWord(toI8(t0, t1, t2, t3), toI8(t4, t5, t6, t7), parity);
}

/** Exact sum over the rows of value `i`, one field at a time (used for the last, partial block). */
@inline function sumOne(stacked: usize, numVectors: i32, rowBytes: usize, bits: i32, i: i32): i32 {
  const bit = <u32>i * <u32>bits;
  const off = (<usize>bit >>> 5) << 2;
  const up = 32 - bits - (bit & 31);
  let sum = 0;
  let p = stacked + off;
  for (let r = 0; r < numVectors; r++, p += rowBytes) sum += (load<i32>(p) << up) >> (32 - bits);
  return sum;
}

/** The word deciding zero sums of output word w: the tie code's word w when there is one, the parity word otherwise. */
@inline function tieWord(ties: usize, hasTies: i32, parity: u32, w: usize): u32 {
  return hasTies != 0 ? load<u32>(ties + (w << 2)) : parity;
}

/**
 * Writes the 1-bit sign code of Σ_r row_r over `numValues` p-bit values into the ceil(numValues/32) words at `dst`.
 * Row r starts at byte stacked + r·rowBytes. Padding bits of the last word are 0. A zero sum takes bit i of the
 * ceil(numValues/32)-word tie code at `ties` when `hasTies` is 1, the parity word's bit i mod 32 otherwise.
 * Returns 1, so that a module built before `ties` existed (which returns nothing) is caught, not run without them.
 */
export function signOfSumPacked(stacked: usize, numVectors: i32, rowBytes: i32, bits: i32, numValues: i32, dst: usize, parity: u32,
  ties: usize, hasTies: i32): i32 {
  const rb = <usize>rowBytes;
  const perBlock = bits == 2 ? 64 : 32;
  const blocks = numValues / perBlock;
  for (let b = 0; b < blocks; b++) {
    const w = <usize>b;
    if (bits == 4) {
      store<u32>(dst + (w << 2), block4(stacked, numVectors, rb, w << 4, tieWord(ties, hasTies, parity, w)));
    } else if (bits == 2) {
      block2(stacked, numVectors, rb, w << 4, tieWord(ties, hasTies, parity, 2 * w), tieWord(ties, hasTies, parity, 2 * w + 1), dst + (w << 3));
    } else {
      store<u32>(dst + (w << 2), block8(stacked, numVectors, rb, w << 5, tieWord(ties, hasTies, parity, w)));
    }
  }
  let word: u32 = 0;
  for (let i = blocks * perBlock; i < numValues; i++) {
    const s = sumOne(stacked, numVectors, rb, bits, i);
    const bit: u32 = s < 0 ? 1 : s == 0 ? (tieWord(ties, hasTies, parity, <usize>i >>> 5) >>> (i & 31)) & 1 : 0;
    word |= bit << (i & 31);
    if ((i & 31) == 31 || i == numValues - 1) {
      store<u32>(dst + ((<usize>i >>> 5) << 2), word);
      word = 0;
    }
  }
  return 1;
}

/** 1-bit sign code of int8 sums (n bytes at `sums`) into ceil(n/32) words at `dst`; zero takes the parity rule. */
export function signOfInt8Sum(sums: usize, n: i32, dst: usize, parity: u32): void {
  const words = n >>> 5;
  for (let w = 0; w < words; w++) {
    const p = sums + (<usize>w << 5);
    store<u32>(dst + (<usize>w << 2), signWord(v128.load(p), v128.load(p, 16), parity));
  }
  let word: u32 = 0;
  for (let i = words << 5; i < n; i++) {
    const s = load<i8>(sums + <usize>i);
    const bit: u32 = s < 0 ? 1 : s == 0 ? (parity >>> (i & 31)) & 1 : 0;
    word |= bit << (i & 31);
  }
  if ((n & 31) != 0) store<u32>(dst + (<usize>words << 2), word);
}
