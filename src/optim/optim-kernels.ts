// The wasm module "optim" (assembly/optim.ts): its export signatures and a lazy loader.

import { loadKernelModule } from '../kernels/load.js';

/** Exports of build/optim.wasm. Pointers are byte offsets into kernel memory; n counts float32 elements. */
export interface OptimKernels {
  lionStep(
    paramsPtr: number, momentumPtr: number, gradsPtr: number, n: number,
    b1: number, omb1: number, b2: number, omb2: number, decay: number, lrf: number, gradScale: number,
  ): void;
  lionApplyDirection(
    paramsPtr: number, momentumPtr: number, gradsPtr: number, directionPtr: number, n: number,
    b2: number, omb2: number, decay: number, lrf: number, gradScale: number,
  ): void;
  lionUpdateVector(momentumPtr: number, gradsPtr: number, outPtr: number, n: number, b1: number, omb1: number, gradScale: number): void;
  sumOfSquares(ptr: number, n: number): number;
  allFinite(ptr: number, n: number): number;
}

let kernels: OptimKernels | null = null;

/** Instantiates the module on first use. Throws LionCubError `kernels_missing` when it was not built. */
export function optimKernels(): OptimKernels {
  return (kernels ??= loadKernelModule<OptimKernels>('optim'));
}
