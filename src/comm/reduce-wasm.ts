// The wasm SIMD reductions (assembly/reduce.ts) behind combineInto, for arrays that live in kernel memory.

import { canUseWasm, loadKernelModule } from '../kernels/load.js';
import type { DType } from './codes.js';
import type { Combine } from './reduce-ops.js';

type Kernel = (dst: number, src: number, n: number) => void;
type DivKernel = (dst: number, src: number, n: number, divisor: number) => void;

/** Exports of build/reduce.wasm: pointers are byte offsets into kernel memory, n counts elements. */
interface ReduceKernels {
  sumF32: Kernel; sumDivF32: DivKernel; maxF32: Kernel;
  sumBf16: Kernel; sumDivBf16: DivKernel; maxBf16: Kernel;
  sumI8: Kernel; sumI16: Kernel; sumI32: Kernel;
  maxI8: Kernel; maxU8: Kernel; maxI16: Kernel; maxI32: Kernel; maxU32: Kernel;
}

let kernels: ReduceKernels | null = null;

function reduceKernels(): ReduceKernels {
  return (kernels ??= loadKernelModule<ReduceKernels>('reduce'));
}

/** The sum kernel per dtype (signed and unsigned integers of one width wrap alike) and the max kernel. */
function kernelsOf(k: ReduceKernels, dtype: DType): { sum: Kernel; max: Kernel; sumDiv?: DivKernel } {
  switch (dtype) {
    case 'float32': return { sum: k.sumF32, max: k.maxF32, sumDiv: k.sumDivF32 };
    case 'bfloat16': return { sum: k.sumBf16, max: k.maxBf16, sumDiv: k.sumDivBf16 };
    case 'int8': return { sum: k.sumI8, max: k.maxI8 };
    case 'uint8': return { sum: k.sumI8, max: k.maxU8 };
    case 'int16': return { sum: k.sumI16, max: k.maxI16 };
    case 'int32': return { sum: k.sumI32, max: k.maxI32 };
    case 'uint32': return { sum: k.sumI32, max: k.maxU32 };
  }
}

/**
 * Runs combineInto's operation in wasm when both arrays are in kernel memory and wasm kernels are on;
 * returns false (doing nothing) otherwise, so the caller runs the JS reference. Same arguments and rules
 * as combineInto; the divisor applies to float sums only.
 */
export const combineWasm: Combine<boolean> = (dtype, op, dst, dstStart, src, srcStart, count, divisor = 1) => {
  if (!canUseWasm(dst, src)) return false;
  const k = kernelsOf(reduceKernels(), dtype);
  const bytes = dst.BYTES_PER_ELEMENT;
  const d = dst.byteOffset + dstStart * bytes;
  const s = src.byteOffset + srcStart * bytes;
  if (op === 'max') k.max(d, s, count);
  else if (divisor !== 1 && k.sumDiv) k.sumDiv(d, s, count, divisor);
  else k.sum(d, s, count);
  return true;
};
