// Seeded inputs of the compressed cases: each rank's update vector and its code, encoded in kernel memory (untimed).

import { int8Levels, packSigns, quantize, quantizeInt8, type CodecSegment } from '../../codec/index.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { kernelMemory } from '../../kernels/load.js';
import { randomFloat32 } from '../../random.js';
import { inputKind, type CompressedShape } from './compressed-ops.js';

/** The step every compressed case encodes and runs at (odd, so ties and zeros take the parity bit (i + 1) mod 2). */
export const BENCH_STEP = 1;

/** Fraction of exact zeros (+0 and −0) in each update vector: they abstain in p-bit/int8 codes and take the parity rule in 1-bit codes. */
export const ZERO_FRACTION = 0.05;

/** Seed of rank `rank`'s update vector of d values: any rank can regenerate any other rank's input. */
export function inputSeed(rank: number, numValues: number): number {
  return (Math.imul(rank + 1, 0x9e3779b1) ^ numValues) >>> 0;
}

/**
 * The quantisers' segments (layers): three of unequal length, [0, ⌊d/2⌋), [⌊d/2⌋, ⌊3d/4⌋), [⌊3d/4⌋, d), so
 * every code has per-layer scales as in training (empty segments for tiny d are allowed).
 */
export function benchSegments(numValues: number): CodecSegment[] {
  const half = Math.floor(numValues / 2);
  const threeQuarters = Math.floor((3 * numValues) / 4);
  return [
    { offset: 0, length: half },
    { offset: half, length: threeQuarters - half },
    { offset: threeQuarters, length: numValues - threeQuarters },
  ];
}

/**
 * Kernel-memory buffers for one update vector (d floats) and one code, so the codec runs its wasm kernels in
 * place, as in training. `encode(rank)` codes rank `rank`'s seeded vector:
 * - 1-bit (vote-allreduce, vote-allgather, tally-allreduce): packSigns at BENCH_STEP, W = ⌈d/32⌉ words;
 * - p-bit (pbit-allreduce): quantize, method l1 per benchSegments, levels 2^(p−1) − 1, ⌈dp/32⌉ words;
 * - int8 (int8-ring): quantizeInt8, method l1 per benchSegments, levels s = int8Levels(N), d bytes.
 * Call release() when done (the buffers are not garbage collected).
 */
export class InputEncoder {
  private readonly update: KernelRegion;
  private readonly code: KernelRegion;

  constructor(readonly shape: CompressedShape) {
    this.update = kernelMemory.alloc(4 * shape.numValues);
    this.code = kernelMemory.alloc(shape.bytes);
  }

  /** Encodes rank `rank`'s input and returns the code buffer's view (valid until the next encode, grow or release). */
  encode(rank: number): Uint32Array | Int8Array {
    const { numValues, bits, worldSize } = this.shape;
    const floats = this.update.f32();
    floats.set(randomFloat32(numValues, inputSeed(rank, numValues), { zeroFraction: ZERO_FRACTION }));
    const kind = inputKind(this.shape.op);
    if (kind === 'int8') {
      quantizeInt8(floats, benchSegments(numValues), { method: 'l1', levels: int8Levels(worldSize) }, this.code.i8());
    } else if (kind === 'pbit') {
      quantize(floats, benchSegments(numValues), { bits, method: 'l1' }, this.code.u32());
    } else {
      packSigns(floats, this.code.u32(), BENCH_STEP);
    }
    return this.view();
  }

  /** The code buffer as the op takes it, taken now (views die when the kernel memory grows). */
  view(): Uint32Array | Int8Array {
    return inputKind(this.shape.op) === 'int8' ? this.code.i8() : this.code.u32();
  }

  /** Every rank's code, copied out of kernel memory (for the reference). Overwrites the code buffer. */
  allCodes(): (Uint32Array | Int8Array)[] {
    return Array.from({ length: this.shape.worldSize }, (_, q) => this.encode(q).slice());
  }

  release(): void {
    kernelMemory.release(this.update);
    kernelMemory.release(this.code);
  }
}
