// Bulk float32 <-> bfloat16 conversion for momentum and gradient payloads (round to nearest, ties to even).

import { roundBitsToBf16 } from '../comm/reduce-ops.js';
import { canUseWasm, loadKernelModule } from '../kernels/load.js';

interface Bf16Kernels {
  f32ToBf16(srcPtr: number, dstPtr: number, n: number): void;
  bf16ToF32(srcPtr: number, dstPtr: number, n: number): void;
}

let kernels: Bf16Kernels | null = null;

function bf16Kernels(): Bf16Kernels {
  return (kernels ??= loadKernelModule<Bf16Kernels>('bf16'));
}

/**
 * Writes the bfloat16 words of `src[i]` into `dst[i]`. NaN becomes the quiet NaN 0x7fc0, so every rank
 * produces the same bits whatever NaN payload its CPU made. Runs the wasm SIMD kernel (assembly/bf16.ts,
 * same words) when both arrays live in kernel memory.
 */
export function toBf16(src: Float32Array, dst: Uint16Array): void {
  if (canUseWasm(src, dst)) {
    bf16Kernels().f32ToBf16(src.byteOffset, dst.byteOffset, src.length);
    return;
  }
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  // The same rounding as the process group's bfloat16 reductions, so every path agrees on the bits.
  for (let i = 0; i < bits.length; i++) dst[i] = roundBitsToBf16(bits[i]);
}

/** dst[i] = float32 value of bfloat16 word src[i] × scale (scale 1 is exact). wasm when both live in kernel memory. */
export function fromBf16(src: Uint16Array, dst: Float32Array, scale = 1): void {
  if (canUseWasm(src, dst)) {
    bf16Kernels().bf16ToF32(src.byteOffset, dst.byteOffset, src.length);
  } else {
    const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  }
  if (scale === 1) return;
  for (let i = 0; i < dst.length; i++) dst[i] = Math.fround(dst[i] * scale);
}
