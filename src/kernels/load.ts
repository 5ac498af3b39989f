// Loads the compiled wasm kernel modules (build/<name>.wasm) against the shared kernel memory.
//
// Every kernel has a plain-JS reference next to it; the wasm path is used only
// when the buffers live in kernel memory and wasm kernels are enabled
// (LION_CUB_KERNELS=js turns them off, e.g. to compare the two in a benchmark).

import { existsSync, readFileSync } from 'node:fs';
import { KernelMemory, type HostHeap } from './kernel-memory.js';
import { LionCubError } from '../errors.js';

/** The process-wide kernel memory. */
export const kernelMemory = new KernelMemory();

const instances = new Map<string, WebAssembly.Exports>();

let wasmEnabled = process.env.LION_CUB_KERNELS !== 'js';

/** Whether wasm kernels are used when buffers allow it. */
export function wasmKernelsEnabled(): boolean {
  return wasmEnabled;
}

/** Turns wasm kernels on or off for this process (tests and benchmarks compare both paths). */
export function setWasmKernelsEnabled(enabled: boolean): void {
  wasmEnabled = enabled;
}

/**
 * Instantiates build/<name>.wasm once (synchronously; the modules are small) and returns its exports.
 * Throws a LionCubError with code `kernels_missing` when the module was not built.
 */
export function loadKernelModule<T>(name: string): T {
  let exports = instances.get(name);
  if (!exports) {
    exports = instantiateKernelModule<WebAssembly.Exports>(name, kernelMemory.memory);
    instances.set(name, exports);
  }
  return exports as T;
}

/**
 * Moves the process-wide kernel memory onto `host`'s heap (KernelMemory.hostOn), so kernels and another wasm
 * module (tfjs's backend) work on the same buffers. Only before the first kernel region and the first kernel
 * module: returns false (and changes nothing) afterwards or when already hosted.
 */
export function hostKernelMemoryOn(host: HostHeap): boolean {
  if (instances.size > 0) return false;
  return kernelMemory.hostOn(host);
}

/**
 * A new instance of build/<name>.wasm on `memory` (not cached): for a kernel that needs a memory of its own,
 * whose growth must not detach views of the shared kernel memory. Throws like loadKernelModule.
 */
export function instantiateKernelModule<T>(name: string, memory: WebAssembly.Memory): T {
  const module = new WebAssembly.Module(readKernelFile(name));
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => { throw new LionCubError('kernel_abort', `wasm kernel module ${name} aborted`); },
    },
  });
  return withMissingExportsNamed(name, instance.exports) as T;
}

/** Keys that code outside lion-cub reads to find out what an object is (promises, JSON, inspection). */
const PROBED_KEYS = new Set(['then', 'toJSON', 'constructor']);

/**
 * `exports` with a typed error for a kernel the module does not have: a build/<name>.wasm older than the code
 * calling it would otherwise fail with "is not a function". Throws LionCubError `kernels_missing` naming the rebuild.
 */
export function withMissingExportsNamed(name: string, exports: WebAssembly.Exports): WebAssembly.Exports {
  return new Proxy(exports, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (value === undefined && typeof key === 'string' && !PROBED_KEYS.has(key)) {
        throw new LionCubError('kernels_missing', `build/${name}.wasm is older than the code (it has no kernel ${key}): run \`npm run build:wasm\` in the lion-cub package`);
      }
      return value;
    },
  });
}

// Sources run from src/kernels/ (tests), compiled code from dist/src/kernels/; build/ is at the package root.
const BUILD_DIRS = ['../../build/', '../../../build/'];

/** The bytes of build/<name>.wasm; throws LionCubError `kernels_missing` when it was not built. */
export function readKernelFile(name: string): Buffer {
  for (const dir of BUILD_DIRS) {
    const url = new URL(`${dir}${name}.wasm`, import.meta.url);
    if (existsSync(url)) return readFileSync(url);
  }
  throw new LionCubError('kernels_missing', `wasm kernel module build/${name}.wasm is missing: run \`npm run build:wasm\` in the lion-cub package`);
}

/**
 * A kernel's 0/1 result, checked: a build/<module>.wasm older than the code returns nothing from a kernel that now
 * returns a flag, which would otherwise read as 0. Throws LionCubError `kernels_missing` naming the rebuild.
 */
export function kernelFlag(module: string, kernel: string, result: unknown): boolean {
  if (result === 0 || result === 1) return result === 1;
  throw new LionCubError('kernels_missing', `build/${module}.wasm is older than the code (${kernel} returned ${String(result)}, not 0 or 1): run \`npm run build:wasm\` in the lion-cub package`);
}

let wasmDispatches = 0;

/**
 * How many times canUseWasm sent a kernel wrapper to its wasm path in this process. Tests of the production path
 * read it before and after, so that they fail when the wasm kernels did not run (e.g. under LION_CUB_KERNELS=js).
 */
export function wasmDispatchCount(): number {
  return wasmDispatches;
}

/**
 * True when every view lies in kernel memory and wasm kernels are enabled. Every kernel wrapper asks it about
 * all its arrays, so it is also where a stale view (taken before the kernel memory grew) is rejected, with
 * KernelViewError, on the wasm and the JS path alike.
 */
export function canUseWasm(...views: ArrayBufferView[]): boolean {
  for (let i = 0; i < views.length; i++) kernelMemory.checkLive(`kernel argument ${i}`, views[i]);
  if (!wasmEnabled) return false;
  for (const v of views) if (!kernelMemory.contains(v)) return false;
  wasmDispatches++;
  return true;
}
