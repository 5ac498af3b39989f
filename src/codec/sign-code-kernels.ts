// Binding to the wasm kernel module "sign" (assembly/sign.ts): its export signatures and a lazy loader.

import { loadKernelModule } from '../kernels/load.js';

/**
 * Exports of build/sign.wasm. Every pointer is a byte offset into the shared kernel
 * memory (`view.byteOffset`); every length counts values, not bytes. The kernels
 * trust their arguments: the public functions validate first.
 */
export interface SignKernels {
  packSigns(src: number, dst: number, numValues: number, step: number): void;
  unpackSigns(code: number, numValues: number, dst: number): void;
  voteSigns(stacked: number, numVectors: number, wordsPerVector: number, dst: number, step: number): void;
  tallySigns(stacked: number, numVectors: number, wordsPerVector: number, numValues: number, dst: number): void;
  /** Returns 1 when every g is finite, 0 when some g is NaN or ±∞. */
  lionEncodeSign(m: number, g: number, beta1: number, oneMinusBeta1: number, dst: number, numValues: number, step: number): number;
  /** lionEncodeSign that also writes m' = β2·m + (1−β2)·g to mOut. */
  lionEncodeSignStaged(m: number, g: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    mOut: number, dst: number, numValues: number, step: number): number;
  lionApplySignTheta(theta: number, code: number, decay: number, lr: number, offset: number, length: number): void;
  lionApplySign(theta: number, m: number, g: number, code: number, decay: number, lr: number,
    beta2: number, oneMinusBeta2: number, offset: number, length: number): void;
  lionStepSign(theta: number, m: number, g: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    decay: number, lr: number, dst: number, numValues: number, step: number): void;
}

let kernels: SignKernels | null = null;

/** The instantiated "sign" module (loaded on first use). Throws LionCubError `kernels_missing` when build/sign.wasm is absent. */
export function signKernels(): SignKernels {
  return (kernels ??= loadKernelModule<SignKernels>('sign'));
}
