// Typed views over element ranges and reusable scratch memory for collectives.

import { kernelMemory, wasmKernelsEnabled } from '../../kernels/load.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { DTYPE_BYTES, type DType } from '../codes.js';
import type { ElementArray } from '../reduce-ops.js';

/** The bytes of elements [start, start + count) of `array`, sharing its memory (no copy). */
export function byteView(array: ArrayBufferView, elementBytes: number, start: number, count: number): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset + start * elementBytes, count * elementBytes);
}

/** A typed view of `length` elements of `dtype` over `bytes` (which must be aligned to the element size). */
export function elementView(dtype: DType, bytes: Uint8Array, length = bytes.byteLength / DTYPE_BYTES[dtype]): ElementArray {
  const { buffer, byteOffset } = bytes;
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, byteOffset, length);
    case 'bfloat16': return new Uint16Array(buffer, byteOffset, length);
    case 'int8': return new Int8Array(buffer, byteOffset, length);
    case 'int16': return new Int16Array(buffer, byteOffset, length);
    case 'int32': return new Int32Array(buffer, byteOffset, length);
    case 'uint8': return new Uint8Array(buffer, byteOffset, length);
    case 'uint32': return new Uint32Array(buffer, byteOffset, length);
  }
}

/** Named scratch areas a collective may use; each grows to the largest size asked for and is then reused. */
export type ScratchSlot = 'chunkA' | 'chunkB' | 'work';

/** The two receive slots of a pipelined reduction. */
export type ChunkSlot = 'chunkA' | 'chunkB';

/** Slots that may be reserved in kernel memory: the ring's receive chunks, and small-message "work". */
export type KernelSlot = ChunkSlot | 'work';

/** Largest chunk for which receive slots are reserved in kernel memory (bigger chunks reduce in JS). */
const MAX_KERNEL_CHUNK_BYTES = 4 * 2 ** 20;

/**
 * Per-group scratch memory, reused by every collective the group runs (one at a time), so that steady-state
 * calls allocate no buffers. Returned views alias the same memory on every call: a collective owns them
 * only until it returns.
 */
export class Scratch {
  private readonly buffers = new Map<ScratchSlot, ArrayBuffer>();
  private readonly kernelChunks = new Map<KernelSlot, KernelRegion>();

  /**
   * With `kernelChunkBytes` (at most 4 MiB) and wasm kernels on, reserves the two chunk slots in kernel memory
   * now, so that chunks received for an array in kernel memory are reduced into it by the wasm kernels; with
   * `kernelWorkBytes` (at most 4 MiB) also "work", where recursive doubling receives a whole small array. They
   * are reserved up front because growing kernel memory detaches every view of it, the caller's arrays
   * included: it must never happen inside a collective.
   */
  constructor(options: { kernelChunkBytes?: number; kernelWorkBytes?: number } = {}) {
    if (!wasmKernelsEnabled()) return;
    const reserve = (slot: KernelSlot, size: number | undefined): void => {
      if (size !== undefined && size > 0 && size <= MAX_KERNEL_CHUNK_BYTES) this.kernelChunks.set(slot, kernelMemory.alloc(size));
    };
    reserve('chunkA', options.kernelChunkBytes);
    reserve('chunkB', options.kernelChunkBytes);
    reserve('work', options.kernelWorkBytes);
  }

  /**
   * A slot of exactly `byteLength` bytes: in kernel memory when `beside` is there too (so combineInto runs in
   * wasm) and the reserved slot is large enough, otherwise ordinary scratch memory.
   */
  chunk(slot: KernelSlot, byteLength: number, beside: ArrayBufferView): Uint8Array {
    const region = this.kernelChunks.get(slot);
    if (region !== undefined && byteLength <= region.byteLength && wasmKernelsEnabled() && kernelMemory.contains(beside)) return region.u8().subarray(0, byteLength);
    return this.bytes(slot, byteLength);
  }

  /** A view of exactly `byteLength` bytes at the start of `slot` (grown, never shrunk, on demand). */
  bytes(slot: ScratchSlot, byteLength: number): Uint8Array {
    let buffer = this.buffers.get(slot);
    if (!buffer || buffer.byteLength < byteLength) {
      // Round up so a sequence of slightly growing requests does not reallocate every time.
      buffer = new ArrayBuffer(Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, byteLength)))));
      this.buffers.set(slot, buffer);
    }
    return new Uint8Array(buffer, 0, byteLength);
  }

  /** Bytes currently held, for diagnostics. */
  get byteLength(): number {
    let total = 0;
    for (const b of this.buffers.values()) total += b.byteLength;
    return total;
  }

  /** Drops every buffer and returns the kernel-memory slots (the group is closing). */
  release(): void {
    this.buffers.clear();
    for (const region of this.kernelChunks.values()) kernelMemory.release(region);
    this.kernelChunks.clear();
  }
}
