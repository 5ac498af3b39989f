// Batched matmul on the wasm backend as one XNNPACK product per batch entry, through zero-copy tensor views.
//
// The shipped kernel sends any product with a batch size above 1 to a scalar
// loop (< 1 GFLOP/s); XNNPACK only serves batch-1 products. Attention is all
// batch > 1 ([batch, heads, T, T]·[batch, heads, T, d]), so here each entry is
// registered as its own batch-1 tensor VIEW over the existing buffers (input
// slices and an output slice), XNNPACK writes the output slice in place, and
// the views are unregistered without freeing memory they do not own.
//
// This uses internals of tfjs-backend-wasm 4.x (wasm-backend-internals.ts: dataIdMap,
// the module's register_tensor / dispose_data and the BatchMatMul export).
// `batchedMatMulViaViews` returns null when they are missing, so callers fall back
// to the shipped kernel.

import { wasmInternals, type TensorInfo } from './wasm-backend-internals.js';

type RawMatMul = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, transposeA: boolean, transposeB: boolean, outId: number) => void;

const rawKernels = new WeakMap<object, RawMatMul>();

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * out[p] = a[p]·b[p] for a [..batch, M, K] and b [..batch, K, N] with identical batch shapes,
 * neither transposed, float32. Returns the output (backend data owned by the caller, shape
 * [..batch, M, N]) or null when the backend is not the expected wasm backend.
 */
export function batchedMatMulViaViews(backend: unknown, a: TensorInfo, b: TensorInfo): TensorInfo | null {
  const be = wasmInternals(backend);
  if (!be) return null;
  const aData = be.dataIdMap.get(a.dataId);
  const bData = be.dataIdMap.get(b.dataId);
  if (!aData || !bData) return null;
  let raw = rawKernels.get(be);
  if (!raw) {
    raw = be.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as unknown as RawMatMul;
    rawKernels.set(be, raw);
  }
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  if (m * k * n === 0) return null;
  let batch = 1;
  for (let i = 0; i < a.shape.length - 2; i++) batch *= a.shape[i];
  const out = be.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
  const outData = be.dataIdMap.get(out.dataId)!;
  const aShape = shapeBytes([1, m, k]);
  const bShape = shapeBytes([1, k, n]);
  const viewIds: number[] = [];
  const view = (offset: number, size: number): number => {
    const id = be.dataIdNextNumber++;
    be.wasm.tfjs.registerTensor(id, size, offset);
    viewIds.push(id);
    return id;
  };
  try {
    for (let p = 0; p < batch; p++) {
      const aId = view(aData.memoryOffset + p * m * k * 4, m * k);
      const bId = view(bData.memoryOffset + p * k * n * 4, k * n);
      const outId = view(outData.memoryOffset + p * m * n * 4, m * n);
      raw(aId, aShape, 3, bId, bShape, 3, false, false, outId);
      // Unregistering b's view also deletes the XNNPACK operator cached on it.
      for (const id of viewIds.splice(0)) be.wasm.tfjs.disposeData(id);
    }
  } finally {
    for (const id of viewIds) be.wasm.tfjs.disposeData(id);
  }
  return out;
}
