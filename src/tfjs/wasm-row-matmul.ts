// A product with few rows on the wasm backend through lion-cub's own SIMD kernel instead of XNNPACK.
//
// XNNPACK packs the right operand ("weights") of every product into its own layout the first time it sees
// that tensor, reading it column by column: ~24 ns per weight here (bench/tfjs-step.ts), 40–50 ms for one
// 784×2048 layer. A training step's weights are new tensors every step, so every forward pass paid that.
// src/kernels/matmul.ts streams the weights once without packing; the operands are copied into the kernel's
// own wasm memory (a memcpy) and the result copied back. For the few rows of a training batch that is ~10×
// faster; for many rows, or weights XNNPACK has already packed, XNNPACK is faster, so the caller decides.

import { MatmulWorkspace } from '../kernels/matmul.js';
import { wasmInternals, type TensorInfo } from './wasm-backend-internals.js';

/** Most rows for which the row kernel beats packing fresh weights (bench/tfjs-step.ts, 2 × EPYC cores). */
export const ROW_KERNEL_MAX_ROWS = 64;

const workspace = new MatmulWorkspace();

/**
 * a [..1, m, k] · b [..1, k, n], float32, neither transposed and both batch sizes 1, into a new output of shape
 * `outShape` (backend data owned by the caller). Returns null when the backend is not the expected wasm
 * backend or an operand's data is unknown to it.
 */
export function rowMatMul(backend: unknown, a: TensorInfo, b: TensorInfo, outShape: number[]): TensorInfo | null {
  const be = wasmInternals(backend);
  if (!be) return null;
  const aData = be.dataIdMap.get(a.dataId);
  const bData = be.dataIdMap.get(b.dataId);
  if (!aData || !bData || aData.memoryOffset == null || bData.memoryOffset == null) return null;
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const out = be.makeOutput(outShape, 'float32');
  const outData = be.dataIdMap.get(out.dataId)!;
  // Read after makeOutput: a grow of the module's memory replaces HEAPF32.
  const heap = be.wasm.HEAPF32;
  const x = heap.subarray(aData.memoryOffset >> 2, (aData.memoryOffset >> 2) + m * k);
  const w = heap.subarray(bData.memoryOffset >> 2, (bData.memoryOffset >> 2) + k * n);
  const y = heap.subarray(outData.memoryOffset >> 2, (outData.memoryOffset >> 2) + m * n);
  workspace.multiply(x, w, y, m, k, n);
  return out;
}
