// Bulk float32 <-> bfloat16 conversion for momentum and gradient payloads (round to nearest, ties to even).

import { roundBitsToBf16 } from '../comm/reduce-ops.js';

/**
 * Writes the bfloat16 words of `src[i]` into `dst[i]`. NaN becomes the quiet NaN 0x7fc0, so every rank
 * produces the same bits whatever NaN payload its CPU made.
 */
export function toBf16(src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  // The same rounding as the process group's bfloat16 reductions, so every path agrees on the bits.
  for (let i = 0; i < bits.length; i++) dst[i] = roundBitsToBf16(bits[i]);
}

/** dst[i] = float32 value of bfloat16 word src[i] × scale (scale 1 is exact). */
export function fromBf16(src: Uint16Array, dst: Float32Array, scale = 1): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  if (scale === 1) {
    for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
    return;
  }
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  for (let i = 0; i < dst.length; i++) dst[i] = Math.fround(dst[i] * scale);
}
