// Binding to the wasm kernel module "quant" (assembly/quant.ts): its export signatures and a lazy loader.

import { loadKernelModule } from '../kernels/load.js';

/**
 * Exports of build/quant.wasm. Pointers are byte offsets into the shared kernel memory
 * (`view.byteOffset`); lengths and indices count values. The kernels trust their
 * arguments: the public functions check them first.
 */
export interface QuantKernels {
  sumAbs(src: number, n: number): number;
  sumSquares(src: number, n: number): number;
  maxAbs(src: number, n: number): number;
  lionSumAbs(m: number, g: number, b1: number, omb1: number, n: number): number;
  lionSumSquares(m: number, g: number, b1: number, omb1: number, n: number): number;
  lionMaxAbs(m: number, g: number, b1: number, omb1: number, n: number): number;
  quantRange(src: number, begin: number, end: number, k: number, s: number, bits: number, dst: number): void;
  /** Returns 1 when every g of the range is finite, 0 when one is NaN or ±∞ (same for lionStochasticRange). */
  lionQuantRange(m: number, g: number, b1: number, omb1: number, begin: number, end: number, k: number, s: number, bits: number, dst: number): number;
  stochasticRange(src: number, begin: number, end: number, k: number, s: number, key: number, bits: number, dst: number): void;
  lionStochasticRange(m: number, g: number, b1: number, omb1: number, begin: number, end: number, k: number, s: number, key: number, bits: number, dst: number): number;
  /** lionQuantRange / lionStochasticRange that also write m' = b2·m + omb2·g of the range to mOut. */
  lionQuantRangeStaged(m: number, g: number, b1: number, omb1: number, begin: number, end: number, k: number, s: number, bits: number, dst: number,
    mOut: number, b2: number, omb2: number): number;
  lionStochasticRangeStaged(m: number, g: number, b1: number, omb1: number, begin: number, end: number, k: number, s: number, key: number,
    bits: number, dst: number, mOut: number, b2: number, omb2: number): number;
  /** Zero sums take the parity word's bits, or the tie code's at `ties` when `hasTies` is 1. Returns 1. */
  signOfSumPacked(stacked: number, numVectors: number, rowBytes: number, bits: number, numValues: number, dst: number, parity: number,
    ties: number, hasTies: number): number;
  signOfInt8Sum(sums: number, n: number, dst: number, parity: number): void;
}

let kernels: QuantKernels | null = null;

/** The instantiated "quant" module (loaded on first use). Throws LionCubError `kernels_missing` when build/quant.wasm is absent. */
export function quantKernels(): QuantKernels {
  return (kernels ??= loadKernelModule<QuantKernels>('quant'));
}
