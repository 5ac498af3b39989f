// Matrix products on the wasm backend through lion-cub's dense-layer kernels (assembly/gemm.ts), in place.
//
// The kernels are instantiated on the backend's own heap, so they read the operands where tfjs keeps them and
// write the output tensor directly: no copies of operands into other memory (gemm_tn packs its operands, and
// gemm_nt transposes a short-rowed W, into scratch kept on the heap). Each product of a dense layer has its
// kernel: X·W (gemm_nn, with bias and ReLU fused into the last pass), dY·Wᵀ (gemm_nt: W row by row) and
// Xᵀ·dY (gemm_tn). XNNPACK, by contrast, packs a product's right operand the first time it sees that tensor
// (~24 ns per weight here) and a training step's weights were new tensors every step.

import { gemmKernels, type GemmKernels } from '../kernels/gemm.js';
import { wasmKernelsEnabled } from '../kernels/load.js';
import { wasmHeapMemory, wasmInternals, type TensorInfo, type WasmBackendInternals } from './wasm-backend-internals.js';

/** Scratch for the kernels' packed panels (tn) or transposed operand (nt) on each backend's heap: kept, only grown. */
const scratchByBackend = new WeakMap<object, { pointer: number; bytes: number }>();

/** A pointer to at least `floats` float32 values of scratch on `be`'s heap (0 when none are needed). */
function scratch(be: WasmBackendInternals, floats: number): number {
  if (floats === 0) return 0;
  const current = scratchByBackend.get(be);
  if (current && current.bytes >= 4 * floats) return current.pointer;
  if (current) be.wasm._free(current.pointer);
  const bytes = 4 * floats;
  const pointer = be.wasm._malloc(bytes);
  scratchByBackend.set(be, { pointer, bytes });
  return pointer;
}

export interface DenseMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  /** Add a per-column bias (a tensor of n values) and/or apply ReLU after the product. */
  bias?: TensorInfo;
  relu?: boolean;
}

function batchSize(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length - 2; i++) n *= shape[i];
  return n;
}

/**
 * op(a)·op(b) (+ bias, ReLU) for float32 operands when the dense kernels can take it: both batch sizes 1, or a
 * batched untransposed `a` times a shared `b` (rows stacked), and not both transposed. Returns the output
 * (backend data owned by the caller, shape [...a's batch, m, n]) or null: the caller then uses another kernel.
 */
export function denseMatMul(backend: unknown, a: TensorInfo, b: TensorInfo, attrs: DenseMatMulAttrs): TensorInfo | null {
  const { transposeA, transposeB, bias, relu = false } = attrs;
  if (!wasmKernelsEnabled() || a.dtype !== 'float32' || b.dtype !== 'float32' || (transposeA && transposeB)) return null;
  const aBatch = batchSize(a.shape);
  if (batchSize(b.shape) !== 1 || (aBatch !== 1 && transposeA)) return null;
  const be = wasmInternals(backend);
  const memory = be && wasmHeapMemory(be);
  if (!be || !memory) return null;
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = aBatch * (transposeA ? aCols : aRows);
  const k = transposeA ? aRows : aCols;
  const n = transposeB ? bRows : bCols;
  if ((transposeB ? bCols : bRows) !== k) return null;
  const biasData = bias ? be.dataIdMap.get(bias.dataId) : undefined;
  if (bias && (bias.dtype !== 'float32' || !biasData || bias.shape.reduce((p, d) => p * d, 1) !== n)) return null;
  // tn and nt kernels have no epilogue: bias and ReLU are fused only into X·W (the forward product).
  if ((bias || relu) && (transposeA || transposeB)) return null;
  const aData = be.dataIdMap.get(a.dataId);
  const bData = be.dataIdMap.get(b.dataId);
  if (!aData || !bData || aData.memoryOffset == null || bData.memoryOffset == null) return null;
  const outShape = [...a.shape.slice(0, -2), transposeA ? aCols : aRows, n];
  const kernels: GemmKernels = gemmKernels(memory);
  // Scratch and output first: allocating may grow the heap, and the offsets read below stay valid across it.
  const padFloats = transposeA ? kernels.gemm_tn_scratch(m, k, n) : transposeB ? kernels.gemm_nt_scratch(m, k, n) : 0;
  const pad = scratch(be, padFloats);
  const out = be.makeOutput(outShape, 'float32');
  const y = be.dataIdMap.get(out.dataId)!.memoryOffset;
  if (transposeA) kernels.gemm_tn(aData.memoryOffset, bData.memoryOffset, y, m, k, n, pad);
  else if (transposeB) kernels.gemm_nt(aData.memoryOffset, bData.memoryOffset, y, m, k, n, pad);
  else kernels.gemm_nn(aData.memoryOffset, bData.memoryOffset, y, biasData?.memoryOffset ?? 0, relu, m, k, n);
  return out;
}
