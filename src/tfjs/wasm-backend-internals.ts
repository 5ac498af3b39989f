// The parts of tfjs-backend-wasm 4.x's backend object that the matmul override reaches into.
//
// Not public API: `wasmInternals` checks every member it returns and gives null when one is missing,
// so callers fall back to the shipped kernels on another tfjs version.

export type TensorInfo = { dataId: object; shape: number[]; dtype: string };

export interface WasmModule {
  cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
  tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  /** The module's heap as float32; replaced by the module when its memory grows, so read it after allocating. */
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  /** The module's raw exports; `memory` is its heap, which lion-cub's own kernels are instantiated on. */
  asm?: { memory?: unknown };
}

export interface TensorRecord { id: number; memoryOffset: number; refCount: number }

export interface WasmBackendInternals {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): TensorRecord | undefined; has(dataId: object): boolean; delete(dataId: object): void };
  dataIdNextNumber: number;
  /** A new output; with `memoryOffset`, over memory the backend did not allocate (nothing is copied). */
  makeOutput(shape: number[], dtype: string, memoryOffset?: number): TensorInfo;
  /** Drops one reference to `dataId`; at zero, frees its memory and forgets it. */
  disposeData(dataId: object, force?: boolean): boolean;
  /** How many tensors share `dataId`'s memory (a variable's own buffer has 1). */
  refCount(dataId: object): number;
}

/** The heap of the backend's module, or null when it is not reachable. */
export function wasmHeapMemory(be: WasmBackendInternals): WebAssembly.Memory | null {
  const memory = be.wasm.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** The backend's internals, or null when `backend` is not the expected wasm backend. */
export function wasmInternals(backend: unknown): WasmBackendInternals | null {
  const b = backend as Partial<WasmBackendInternals> | null;
  if (!b || typeof b.makeOutput !== 'function' || typeof b.disposeData !== 'function' || typeof b.refCount !== 'function' || typeof b.dataIdNextNumber !== 'number' || !b.dataIdMap || !b.wasm) return null;
  if (typeof b.wasm.cwrap !== 'function' || typeof b.wasm._malloc !== 'function' || typeof b.wasm._free !== 'function' || typeof b.wasm.tfjs?.registerTensor !== 'function' || typeof b.wasm.tfjs?.disposeData !== 'function') return null;
  if (!(b.wasm.HEAPF32 instanceof Float32Array)) return null;
  return b as WasmBackendInternals;
}
