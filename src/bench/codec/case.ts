// The shape of one codec benchmark case.

import type { KernelMemory, KernelRegion } from '../../kernels/kernel-memory.js';

export interface CodecBenchInstance {
  run(): void;
  /** Releases kernel memory taken by setup. */
  dispose(): void;
}

export interface CodecBenchCase {
  /** Stable name printed in the `kernel` field. */
  kernel: string;
  /** Which implementation the case times. */
  path: 'wasm' | 'js';
  /** Allocates and fills inputs of `numValues` values; not timed. */
  setup(numValues: number, memory: KernelMemory): CodecBenchInstance;
}

/** Allocates regions, hands them to `build` (views taken after every allocation, so none is detached) and frees them on dispose. */
export function withRegions(memory: KernelMemory, byteLengths: number[], build: (regions: KernelRegion[]) => () => void): CodecBenchInstance {
  const regions = byteLengths.map((b) => memory.alloc(b));
  try {
    return { run: build(regions), dispose: () => regions.forEach((r) => memory.release(r)) };
  } catch (error) {
    regions.forEach((r) => memory.release(r));
    throw error;
  }
}
