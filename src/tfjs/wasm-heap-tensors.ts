// Tensors over wasm-heap memory that the tfjs wasm backend uses but does not own, so it never frees it.
//
// The flat parameter buffer lives on the backend's heap (the kernel memory is hosted there, see
// src/kernels/kernel-memory.ts); each model variable can then be a tensor over its segment of that buffer, so the
// optimizer's update is what the next forward pass reads. tfjs-backend-wasm frees a tensor's memory with
// `_free(memoryOffset)` when its last reference goes, which would corrupt the heap for a pointer into the middle of
// a block: the backend's disposeData is wrapped once so that tensors made here are only forgotten, never freed.
// Relies on tfjs-backend-wasm 4.x internals (wasm-backend-internals.ts); returns null when they are missing.

import { tf, type Tensor } from './tf.js';
import { wasmHeapMemory, wasmInternals, type WasmBackendInternals } from './wasm-backend-internals.js';

/** dataIds of tensors over memory the backend does not own, with what to call when the backend forgets one. */
const heapOwned = new WeakMap<object, (() => void) | null>();
const hookedBackends = new WeakSet<object>();

/**
 * A float32 tensor of `shape` over the heap bytes at `byteOffset` (the caller keeps that memory alive for as
 * long as the tensor, or a variable assigned from it, exists). Null when the active backend is not tfjs's wasm.
 */
export function tensorOverHeap(shape: readonly number[], byteOffset: number): Tensor | null {
  const be = wasmInternals(tf.backend());
  if (!be) return null;
  const info = outputOverHeap(be, shape, byteOffset);
  return tf.engine().makeTensorFromTensorInfo(info as Parameters<ReturnType<typeof tf.engine>['makeTensorFromTensorInfo']>[0]);
}

/**
 * A kernel output (TensorInfo) of `shape` over the heap bytes at `byteOffset`, which the backend will not free;
 * `onForget` runs when the backend forgets it (its last reference is gone). Calls `makeOutput` as the backend's
 * class defines it, so it also works while an instance's makeOutput is wrapped (wasm-gradient-placement.ts).
 */
export function outputOverHeap(be: WasmBackendInternals, shape: readonly number[], byteOffset: number, onForget: (() => void) | null = null): ReturnType<WasmBackendInternals['makeOutput']> {
  hookDisposeData(be);
  const makeOutput = Object.getPrototypeOf(be).makeOutput as WasmBackendInternals['makeOutput'];
  const info = makeOutput.call(be, [...shape], 'float32', byteOffset);
  heapOwned.set(info.dataId, onForget);
  return info;
}

/** True when `tensor`'s data is memory tensorOverHeap placed (the backend will not free it). */
export function isOverHeap(tensor: Tensor): boolean {
  return heapOwned.has(tensor.dataId);
}

/** The active wasm backend's heap, or null on another backend. */
export function activeWasmHeap(): WebAssembly.Memory | null {
  const be = wasmInternals(tf.backend());
  return be ? wasmHeapMemory(be) : null;
}

/**
 * Tells the backend that the values of `tensor` (on its heap) changed in place: re-registering the id drops
 * whatever XNNPACK cached for it (packed weights), so no kernel reads stale values. False when not applicable.
 */
export function heapValuesChanged(tensor: Tensor): boolean {
  const be = wasmInternals(tf.backend());
  const data = be?.dataIdMap.get(tensor.dataId);
  if (!be || !data || data.memoryOffset == null) return false;
  be.wasm.tfjs.disposeData(data.id);
  be.wasm.tfjs.registerTensor(data.id, tensor.size, data.memoryOffset);
  return true;
}

function hookDisposeData(be: WasmBackendInternals): void {
  if (hookedBackends.has(be)) return;
  hookedBackends.add(be);
  const original = be.disposeData.bind(be);
  be.disposeData = (dataId: object, force = false): boolean => {
    if (!heapOwned.has(dataId)) return original(dataId, force);
    const data = be.dataIdMap.get(dataId);
    if (!data) return true;
    data.refCount--;
    if (!force && data.refCount > 0) return false;
    be.wasm.tfjs.disposeData(data.id);
    be.dataIdMap.delete(dataId);
    const onForget = heapOwned.get(dataId);
    heapOwned.delete(dataId);
    onForget?.();
    return true;
  };
}
