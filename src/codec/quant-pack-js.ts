// Plain-JS pass 2 of the quantisers: q = clamp(Q(c), −s, s) for values [begin, end), packed as p-bit code or int8.
//
// The reference for assembly/quant/pack.ts; both give identical codes. Every float
// operation is rounded to float32 where the kernel works in float32. Values are
// quantised a chunk at a time into a small scratch array, then packed: two simple
// loops that the JIT compiles well, and c itself is never stored.

import { counterUniform } from './counter-hash.js';
import type { QuantSource } from './quant-source.js';

/** 1.5·2^52: (x + R) − R rounds a double |x| < 2^51 to an integer, ties to even (IEEE default), like f32.nearest. */
const ROUND_MAGIC = 6755399441055744;
const CHUNK = 4096;

/** How a segment is rounded: nearest-even of f32(c·k), or stochastic with the stream `key`. */
export interface RangeRounding {
  k: number;
  levels: number;
  stochastic: boolean;
  key: number;
}

/** Reused between calls: quantisation is synchronous, so one scratch chunk serves every caller. */
const scratch = new Int32Array(CHUNK);

/** q for values [begin, begin + count) into out[0 .. count). */
function quantChunk(source: QuantSource, begin: number, count: number, rounding: RangeRounding, out: Int32Array): void {
  const { k, levels: s, stochastic, key } = rounding;
  if (!stochastic && !source.fused) {
    const c = source.c;
    for (let j = 0; j < count; j++) {
      let x = Math.fround(c[begin + j] * k) + ROUND_MAGIC - ROUND_MAGIC;
      if (x > s) x = s;
      else if (x < -s) x = -s;
      out[j] = x | 0; // NaN → 0
    }
  } else if (!stochastic && source.fused) {
    const { m, g, b1, omb1 } = source;
    for (let j = 0; j < count; j++) {
      const i = begin + j;
      const c = Math.fround(Math.fround(b1 * m[i]) + Math.fround(omb1 * g[i]));
      let x = Math.fround(c * k) + ROUND_MAGIC - ROUND_MAGIC;
      if (x > s) x = s;
      else if (x < -s) x = -s;
      out[j] = x | 0;
    }
  } else {
    for (let j = 0; j < count; j++) {
      const i = begin + j;
      const c = source.fused ? Math.fround(Math.fround(source.b1 * source.m[i]) + Math.fround(source.omb1 * source.g[i])) : source.c[i];
      const a = Math.fround(Math.abs(c) * k);
      const floor = Math.floor(a);
      let x = floor + (counterUniform(key, i) < a - floor ? 1 : 0);
      if (c < 0) x = -x;
      if (x > s) x = s;
      else if (x < -s) x = -s;
      out[j] = x | 0;
    }
  }
}

/**
 * Writes the codes of values [begin, end) into `dst` (p = 2 or 4: a Uint32Array p-bit code;
 * p = 8: an Int8Array, one value per byte, which is also the 8-bit code's memory layout).
 * Words shared with a neighbouring segment keep the neighbour's bits below `begin`; bits
 * above `end` in the last word are cleared (the next segment, or padding).
 */
export function packRangeJs(source: QuantSource, begin: number, end: number, rounding: RangeRounding, bits: 2 | 4 | 8, dst: Uint32Array | Int8Array): void {
  if (begin >= end) return;
  const q = scratch;
  if (bits === 8) {
    const bytes = dst instanceof Int8Array ? dst : new Int8Array(dst.buffer, dst.byteOffset, dst.length * 4);
    for (let i = begin; i < end; i += CHUNK) {
      const count = Math.min(CHUNK, end - i);
      quantChunk(source, i, count, rounding, q);
      bytes.set(count === CHUNK ? q : q.subarray(0, count), i);
    }
    return;
  }
  const words = dst as Uint32Array;
  const perWord = 32 / bits;
  const wordShift = bits === 4 ? 3 : 4; // log2(32 / p)
  const mask = (1 << bits) - 1;
  // Head: values before the first word boundary share their word with the previous segment.
  let i = begin;
  const headEnd = Math.min(end, (begin + perWord - 1) & ~(perWord - 1));
  if (i < headEnd) {
    quantChunk(source, i, headEnd - i, rounding, q);
    const w = i >>> wordShift;
    const shift0 = (i & (perWord - 1)) * bits;
    let word = shift0 === 0 ? 0 : words[w] & ((1 << shift0) - 1);
    for (let j = 0, sh = shift0; i < headEnd; i++, j++, sh += bits) word |= (q[j] & mask) << sh;
    words[w] = word;
  }
  // Whole words, a chunk of values at a time; then the tail, with the bits above `end` cleared.
  while (i < end) {
    const count = Math.min(CHUNK, end - i);
    quantChunk(source, i, count, rounding, q);
    const full = count & ~(perWord - 1);
    let w = i >>> wordShift;
    if (bits === 4) {
      for (let j = 0; j < full; j += 8, w++) {
        words[w] = (q[j] & 15) | ((q[j + 1] & 15) << 4) | ((q[j + 2] & 15) << 8) | ((q[j + 3] & 15) << 12)
          | ((q[j + 4] & 15) << 16) | ((q[j + 5] & 15) << 20) | ((q[j + 6] & 15) << 24) | (q[j + 7] << 28);
      }
    } else {
      for (let j = 0; j < full; j += 16, w++) {
        let word = 0;
        for (let v = 0; v < 16; v++) word |= (q[j + v] & 3) << (2 * v);
        words[w] = word;
      }
    }
    if (full < count) {
      let word = 0;
      for (let j = full, sh = 0; j < count; j++, sh += bits) word |= (q[j] & mask) << sh;
      words[w] = word;
    }
    i += count;
  }
}
