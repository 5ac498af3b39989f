// Plain-JS pass 2 of the quantisers: q = clamp(Q(c), −s, s) for values [begin, end), packed as p-bit code or int8.
//
// The reference for assembly/quant/pack.ts; both give identical codes. Every float
// operation is rounded to float32 where the kernel works in float32.

import { counterUniform } from './counter-hash.js';
import { sourceArrays, type QuantSource } from './quant-source.js';

/** 1.5·2^52: (x + R) − R rounds a double |x| < 2^51 to an integer, ties to even (IEEE default), like f32.nearest. */
const ROUND_MAGIC = 6755399441055744;

/** How a segment is rounded: nearest-even of f32(c·k), or stochastic with the stream `key`. */
export interface RangeRounding {
  k: number;
  levels: number;
  stochastic: boolean;
  key: number;
}

/**
 * Writes the codes of values [begin, end) into `dst` (p = 2 or 4: a Uint32Array p-bit code;
 * p = 8: an Int8Array, one value per byte, which is also the 8-bit code's memory layout).
 * Words shared with a neighbouring segment keep the neighbour's bits below `begin`; bits
 * above `end` in the last word are cleared (the next segment, or padding).
 */
export function packRangeJs(source: QuantSource, begin: number, end: number, rounding: RangeRounding, bits: 2 | 4 | 8, dst: Uint32Array | Int8Array): void {
  const { a, g, b1, omb1 } = sourceArrays(source);
  const fused = source.fused;
  const { k, levels: s, stochastic, key } = rounding;
  const quant = (i: number): number => {
    const c = fused ? Math.fround(Math.fround(b1 * a[i]) + Math.fround(omb1 * g[i])) : a[i];
    let x: number;
    if (!stochastic) {
      x = Math.fround(c * k);
      x = x + ROUND_MAGIC - ROUND_MAGIC;
    } else {
      const scaled = Math.fround(Math.abs(c) * k);
      const floor = Math.floor(scaled);
      x = floor + (counterUniform(key, i) < scaled - floor ? 1 : 0);
      if (c < 0) x = -x;
    }
    if (x > s) x = s;
    else if (x < -s) x = -s;
    return x | 0; // NaN → 0
  };
  if (bits === 8) {
    const bytes = dst instanceof Int8Array ? dst : new Int8Array(dst.buffer, dst.byteOffset, dst.length * 4);
    for (let i = begin; i < end; i++) bytes[i] = quant(i);
    return;
  }
  const words = dst as Uint32Array;
  const perWordShift = bits === 4 ? 3 : 4; // log2(32 / p)
  const last = (1 << perWordShift) - 1;
  const mask = (1 << bits) - 1;
  if (begin >= end) return;
  const headShift = (begin & last) * bits;
  let acc = headShift === 0 ? 0 : words[begin >>> perWordShift] & ((1 << headShift) - 1);
  for (let i = begin; i < end; i++) {
    const slot = i & last;
    acc |= (quant(i) & mask) << (slot * bits);
    if (slot === last) {
      words[i >>> perWordShift] = acc;
      acc = 0;
    }
  }
  if ((end & last) !== 0) words[(end - 1) >>> perWordShift] = acc;
}
