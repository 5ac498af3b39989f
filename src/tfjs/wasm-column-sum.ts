// tf.sum(x, 0) of a float32 matrix (the bias gradient of every dense layer) on the wasm backend, read in place.
//
// tfjs-backend-wasm's Sum reduces only innermost axes: for axis 0 it first copies the whole [batch, units]
// gradient into a transposed buffer, then adds up each transposed row one float32 add at a time. The column-sum
// kernel (assembly/column-sum.ts) reads the matrix where it is, four columns per SIMD add, adding the rows in the
// same order from +0, so the sums have the same bits. Every other Sum goes to the backend's own kernel.

import { instantiateKernelModule, wasmKernelsEnabled } from '../kernels/load.js';
import { kernelReplacement, type KernelFunc } from './kernel-replacement.js';
import { wasmHeapMemory, wasmInternals, type TensorInfo } from './wasm-backend-internals.js';

interface ColumnSumKernels {
  columnSums(xPtr: number, rows: number, cols: number, outPtr: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, ColumnSumKernels>();

function kernelsOn(memory: WebAssembly.Memory): ColumnSumKernels {
  let kernels = instances.get(memory);
  if (!kernels) {
    kernels = instantiateKernelModule<ColumnSumKernels>('column-sum', memory);
    instances.set(memory, kernels);
  }
  return kernels;
}

/** True when `axis` of a rank-`rank` tensor names the rows of a matrix alone (0 or −2). */
function isRowAxis(axis: unknown, rank: number): boolean {
  const axes = Array.isArray(axis) ? axis : [axis];
  return rank === 2 && axes.length === 1 && (axes[0] === 0 || axes[0] === -2);
}

/**
 * The column sums of a float32 matrix `x` on the wasm backend ([cols], or [1, cols] with keepDims), or null when
 * the kernel cannot take it (another backend or dtype, an empty matrix, wasm kernels off): then use another kernel.
 */
export function columnSum(backend: unknown, x: TensorInfo, keepDims: boolean): TensorInfo | null {
  if (!wasmKernelsEnabled() || x.dtype !== 'float32' || x.shape.length !== 2) return null;
  const be = wasmInternals(backend);
  const memory = be && wasmHeapMemory(be);
  if (!be || !memory) return null;
  const [rows, cols] = x.shape;
  const xData = be.dataIdMap.get(x.dataId);
  if (rows === 0 || cols === 0 || !xData || xData.memoryOffset == null) return null;
  // makeOutput may grow the heap; byte offsets stay valid across that.
  const out = be.makeOutput(keepDims ? [1, cols] : [cols], 'float32');
  kernelsOn(memory).columnSums(xData.memoryOffset, rows, cols, be.dataIdMap.get(out.dataId)!.memoryOffset);
  return out;
}

function rowSumOr(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args as unknown as { inputs: { x: TensorInfo }; attrs: { axis: unknown; keepDims?: boolean }; backend: unknown };
    if (isRowAxis(attrs.axis, inputs.x.shape.length)) {
      const out = columnSum(backend, inputs.x, attrs.keepDims === true);
      if (out) return out as unknown as ReturnType<KernelFunc>;
    }
    return original(args);
  };
}

const replacement = kernelReplacement('Sum', rowSumOr);

/** Registers the in-place column sum in front of `backendName`'s Sum (default 'wasm'); idempotent; false when it has none. */
export function installColumnSum(backendName = 'wasm'): boolean {
  return replacement.install(backendName);
}

/** Puts the backend's own Sum back. */
export function uninstallColumnSum(backendName = 'wasm'): void {
  replacement.uninstall(backendName);
}
