// Majority vote and vote tally of N packed 1-bit codes (the receive buffer of the 1-bit allreduce).

import { checkStep, InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelMemory } from '../kernels/load.js';
import { checkCount, checkSameLength, signCodeWords } from './sign-code-checks.js';
import { signKernels } from './sign-code-kernels.js';
import { tallySignsJs, voteSignsJs } from './vote-js.js';

/** Largest number of codes one vote takes: the wasm kernel counts in 12 bit planes (plus one for overflow). */
export const MAX_VOTE_VECTORS = 4095;

function checkStacked(stacked: Uint32Array, numVectors: number, wordsPerVector: number): void {
  checkCount('numVectors', numVectors, 1, MAX_VOTE_VECTORS);
  checkCount('wordsPerVector', wordsPerVector, 0, 2 ** 30);
  kernelMemory.checkLive('stacked', stacked);
  if (stacked.length !== numVectors * wordsPerVector) {
    throw new InvalidArgumentError('stacked.length', stacked.length,
      `numVectors × wordsPerVector = ${numVectors} × ${wordsPerVector} = ${numVectors * wordsPerVector} words`);
  }
}

/**
 * Majority vote of `numVectors` (N, 1..4095) sign codes laid out back to back in `stacked`
 * (code k at words [k·W, (k+1)·W), W = `wordsPerVector`), computed on the packed words with
 * bit-sliced counters, never unpacked. With k = the number of codes voting −1 (bit 1) for a
 * value, the result bit is 1 iff 2k > N, 0 iff 2k < N, and a tie (even N) takes the parity rule
 * at `step` (docs/wire-format.md). The parity bit depends only on whether the value index is
 * odd, so a slice of a longer code that starts on a word boundary votes exactly like the whole.
 * Padding bits of the result are 0 when those of the inputs are.
 *
 * `dst` must hold exactly W words and must not overlap `stacked`. Runs in wasm when both arrays
 * live in kernel memory. Throws InvalidArgumentError on bad counts, lengths or step.
 */
export function voteSigns(stacked: Uint32Array, numVectors: number, wordsPerVector: number, dst: Uint32Array, step: number): void {
  checkStacked(stacked, numVectors, wordsPerVector);
  checkSameLength('dst', dst, wordsPerVector);
  checkStep(step);
  if (wordsPerVector === 0) return;
  if (canUseWasm(stacked, dst)) {
    signKernels().voteSigns(stacked.byteOffset, numVectors, wordsPerVector, dst.byteOffset, step & 1);
  } else {
    voteSignsJs(stacked, numVectors, wordsPerVector, dst, step);
  }
}

/**
 * Sum of the ±1 votes of every value: dst[i] = Σ_k (bit i of code k ? −1 : +1) = N − 2·k_i,
 * an integer in [−N, N] (the "average of signs" strategy divides it by N). Padding bits are
 * ignored. Layout of `stacked` as in voteSigns; W must equal ceil(numValues / 32) and `dst`
 * must hold exactly `numValues` entries. Runs in wasm when both arrays live in kernel memory.
 * Throws InvalidArgumentError otherwise.
 */
export function tallySigns(stacked: Uint32Array, numVectors: number, wordsPerVector: number, numValues: number, dst: Int32Array): void {
  checkStacked(stacked, numVectors, wordsPerVector);
  checkCount('numValues', numValues, 0, 2 ** 35);
  if (signCodeWords(numValues) !== wordsPerVector) {
    throw new InvalidArgumentError('wordsPerVector', wordsPerVector, `ceil(numValues / 32) = ${signCodeWords(numValues)} for ${numValues} values`);
  }
  checkSameLength('dst', dst, numValues);
  if (numValues === 0) return;
  if (canUseWasm(stacked, dst)) signKernels().tallySigns(stacked.byteOffset, numVectors, wordsPerVector, numValues, dst.byteOffset);
  else tallySignsJs(stacked, numVectors, wordsPerVector, numValues, dst);
}
