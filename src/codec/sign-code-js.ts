// Plain-JS reference of the 1-bit sign code (docs/wire-format.md): used when buffers are outside kernel memory.

import { parityWord } from './parity.js';

/**
 * Packs the signs of `src` into `dst` (bit 1 = negative, LSB first); ±0 and NaN take the parity rule at `step`.
 * Works on the raw float bits so that the sign of −0 and NaN is seen. Lengths are not checked here.
 */
export function packSignsJs(src: Float32Array, dst: Uint32Array, step: number): void {
  const bits = new Int32Array(src.buffer, src.byteOffset, src.length);
  const parity = parityWord(step);
  const numValues = src.length;
  const fullWords = numValues >>> 5;
  for (let w = 0; w < fullWords; w++) {
    dst[w] = packWord(bits, w << 5, 32, parity);
  }
  const rest = numValues & 31;
  if (rest !== 0) dst[fullWords] = packWord(bits, fullWords << 5, rest, parity);
}

function packWord(bits: Int32Array, base: number, count: number, parity: number): number {
  let signs = 0;
  let zeroOrNaN = 0;
  for (let j = 0; j < count; j++) {
    const u = bits[base + j];
    signs |= (u >>> 31) << j;
    const magnitude = u & 0x7fffffff;
    if (magnitude === 0 || magnitude > 0x7f800000) zeroOrNaN |= 1 << j;
  }
  return ((signs & ~zeroOrNaN) | (parity & zeroOrNaN)) >>> 0;
}

/** Writes ±1 for each of the first `numValues` values of `code` (bit 1 → −1). Lengths are not checked here. */
export function unpackSignsJs(code: Uint32Array, numValues: number, dst: Float32Array): void {
  for (let w = 0, base = 0; base < numValues; w++, base += 32) {
    const word = code[w];
    const count = Math.min(32, numValues - base);
    for (let j = 0; j < count; j++) dst[base + j] = (word >>> j) & 1 ? -1 : 1;
  }
}
