// Puts lion-cub's kernel memory on the tfjs wasm backend's heap, so one buffer can be both the flat parameters
// that Lion's kernels update and the variables tfjs's kernels read (heap-bound-variables.ts).
//
// Kernel regions then come from the backend's malloc and the kernel modules are instantiated on its memory
// (src/kernels/load.ts). Possible once per process, only before any kernel memory or kernel module is used;
// LION_CUB_SHARED_HEAP=off keeps the two memories apart (parameters are then copied into the variables).

import { hostKernelMemoryOn, kernelMemory } from '../kernels/load.js';
import { tf } from './tf.js';
import { wasmHeapMemory, wasmInternals } from './wasm-backend-internals.js';

export const SHARED_HEAP_ENV = 'LION_CUB_SHARED_HEAP';

/** Hosts kernel memory on the active wasm backend's heap; true when it is (now or already) hosted there. */
export function shareKernelMemoryWithWasmHeap(): boolean {
  if (process.env[SHARED_HEAP_ENV] === 'off') return false;
  const be = wasmInternals(tf.backend());
  const memory = be ? wasmHeapMemory(be) : null;
  if (!be || !memory) return false;
  if (kernelMemory.hosted) return kernelMemory.memory === memory;
  const wasm = be.wasm;
  return hostKernelMemoryOn({ memory, malloc: (bytes) => wasm._malloc(bytes), free: (pointer) => wasm._free(pointer) });
}
