// Bulk float32 <-> bfloat16 conversion for momentum and gradient payloads (round to nearest, ties to even).

import { roundBitsToBf16 } from '../comm/reduce-ops.js';
import { InvalidArgumentError, LionCubError } from '../errors.js';
import type { KernelRegion } from '../kernels/kernel-memory.js';
import { canUseWasm, kernelMemory, loadKernelModule } from '../kernels/load.js';

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

/**
 * The bfloat16 words of one allreduce, converted by the wasm kernels. Conversion happens in kernel memory and
 * the words are copied to ordinary memory, because the process group holds a payload across awaits and a grow
 * of the kernel memory would detach a kernel view. Allocates kernel memory: construct it before taking views.
 */
export class Bf16Payload {
  private words: Uint16Array;
  private region: KernelRegion | null;

  /** Room for up to `capacity` values per encode. */
  constructor(readonly capacity: number) {
    this.words = new Uint16Array(capacity);
    this.region = kernelMemory.alloc(2 * capacity);
  }

  /** The words of `src` (at most capacity values) in ordinary memory, valid until the next encode. */
  encode(src: Float32Array): Uint16Array {
    const kernelWords = this.kernelWords(src.length);
    toBf16(src, kernelWords);
    const words = this.words.subarray(0, src.length);
    words.set(kernelWords);
    return words;
  }

  /** dst[i] = float32 value of words[i] (the words encode returned, after the allreduce summed them). */
  decode(words: Uint16Array, dst: Float32Array): void {
    const kernelWords = this.kernelWords(words.length);
    kernelWords.set(words);
    fromBf16(kernelWords, dst);
  }

  /** Releases the kernel memory. Idempotent; encode and decode throw afterwards. */
  dispose(): void {
    if (this.region) kernelMemory.release(this.region);
    this.region = null;
  }

  private kernelWords(length: number): Uint16Array {
    if (!this.region) throw new LionCubError('payload_disposed', 'Bf16Payload used after dispose()');
    if (length > this.capacity) throw new InvalidArgumentError('length', length, `at most the payload's capacity ${this.capacity}`);
    return this.region.u16().subarray(0, length);
  }
}
