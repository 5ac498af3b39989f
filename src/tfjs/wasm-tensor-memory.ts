// Reading and writing a wasm-backend tensor's values where the backend keeps them, without new tensors or copies.
//
// FlatParams uses this so a training step neither makes new weight tensors (tf.tensor + assign copied every
// parameter twice per step) nor reads gradients through dataSync (which copies them out of the heap first).
// Relies on tfjs-backend-wasm 4.x internals (wasm-backend-internals.ts); both functions return false when they
// cannot apply and the caller takes the public path.

import { tf, type Tensor } from './tf.js';
import { wasmInternals } from './wasm-backend-internals.js';
import { heapValuesChanged } from './wasm-heap-tensors.js';

/**
 * Overwrites the values of `tensor` (float32, the only tensor on its buffer, e.g. a variable) with `values`, in
 * place. The backend's record of the tensor is re-registered afterwards, which drops anything XNNPACK cached
 * for it (packed weights), so no kernel reads stale values. Returns false (nothing written) when the tensor is
 * not a wasm tensor of its own or the sizes differ.
 */
export function writeTensorInPlace(tensor: Tensor, values: Float32Array): boolean {
  const be = wasmInternals(tf.backend());
  if (!be || tensor.dtype !== 'float32' || tensor.size !== values.length) return false;
  const data = be.dataIdMap.get(tensor.dataId);
  if (!data || data.memoryOffset == null || be.refCount(tensor.dataId) !== 1) return false;
  be.wasm.HEAPF32.set(values, data.memoryOffset >> 2);
  return heapValuesChanged(tensor);
}

/** Copies the values of the float32 wasm tensor `tensor` into `dest` at `offset`; false when it cannot. */
export function readTensorInto(tensor: Tensor, dest: Float32Array, offset: number): boolean {
  const be = wasmInternals(tf.backend());
  if (!be || tensor.dtype !== 'float32') return false;
  const data = be.dataIdMap.get(tensor.dataId);
  if (!data || data.memoryOffset == null) return false;
  const start = data.memoryOffset >> 2;
  dest.set(be.wasm.HEAPF32.subarray(start, start + tensor.size), offset);
  return true;
}

/** Where the data of wasm tensor `tensor` starts on the heap (bytes), or null on another backend. */
export function heapByteOffset(tensor: Tensor): number | null {
  const data = wasmInternals(tf.backend())?.dataIdMap.get(tensor.dataId);
  return data && data.memoryOffset != null ? data.memoryOffset : null;
}
