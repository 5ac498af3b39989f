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
  const perWordShift = bits === 4 ? 3 : 4; // log2(32 / p)
  const last = (1 << perWordShift) - 1;
  const mask = (1 << bits) - 1;
  const headShift = (begin & last) * bits;
  let acc = headShift === 0 ? 0 : words[begin >>> perWordShift] & ((1 << headShift) - 1);
  for (let i0 = begin; i0 < end; i0 += CHUNK) {
    const count = Math.min(CHUNK, end - i0);
    quantChunk(source, i0, count, rounding, q);
    for (let j = 0; j < count; j++) {
      const i = i0 + j;
      const slot = i & last;
      acc |= (q[j] & mask) << (slot * bits);
      if (slot === last) {
        words[i >>> perWordShift] = acc;
        acc = 0;
      }
    }
  }
  if ((end & last) !== 0) words[(end - 1) >>> perWordShift] = acc;
}
