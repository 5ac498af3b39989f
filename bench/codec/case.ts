// The shape of one codec benchmark case.

import type { KernelMemory } from '../../src/kernels/kernel-memory.js';

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
