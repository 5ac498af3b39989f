// Exact integer sums of N p-bit codes stacked in one buffer (the p-bit reduce-scatter's receive buffer) and their 1-bit sign.

import { checkStep, InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelFlag, kernelMemory } from '../kernels/load.js';
import { parityWord } from './parity.js';
import { signOfSumPackedJs, sumPackedJs } from './pbit-sum-js.js';
import { quantKernels } from './quant-kernels.js';
import { checkBits, checkLength, packedWordCount, type QuantBits } from './quant-options.js';

/**
 * Most vectors whose sum is exact in int32 for any p-bit fields: N·2^(p−1) ≤ 2^31 − 1
 * (16,777,215 at p = 8). The quantisers only emit |q| ≤ 2^(p−1) − 1, but a code may hold −2^(p−1).
 */
export function maxSummableVectors(bits: QuantBits): number {
  return Math.floor(0x7fffffff / (1 << (bits - 1)));
}

function checkStack(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: QuantBits, numValues: number): void {
  checkBits(bits);
  if (!Number.isSafeInteger(numValues) || numValues < 0) throw new InvalidArgumentError('numValues', numValues, 'a non-negative integer');
  const maxVectors = maxSummableVectors(bits);
  if (!Number.isInteger(numVectors) || numVectors < 1 || numVectors > maxVectors) {
    throw new InvalidArgumentError('numVectors', numVectors, `an integer from 1 to ${maxVectors} (the int32 sum of ${bits}-bit values must not overflow)`);
  }
  const need = packedWordCount(numValues, bits);
  if (!Number.isInteger(wordsPerVector) || wordsPerVector < need) {
    throw new InvalidArgumentError('wordsPerVector', wordsPerVector, `an integer ≥ ${need} (ceil(${numValues}·${bits}/32))`);
  }
  kernelMemory.checkLive('stacked', stacked);
  if (stacked.length < numVectors * wordsPerVector) {
    throw new InvalidArgumentError('stacked.length', stacked.length, `at least numVectors·wordsPerVector = ${numVectors * wordsPerVector} words`);
  }
}

/**
 * dst[i] = Σ_{k<N} q_k(i): the exact sum of value i over the N codes, code k at words
 * [k·wordsPerVector, (k+1)·wordsPerVector) of `stacked`. `dst` must hold exactly `numValues` entries.
 * Throws InvalidArgumentError on bad bits, counts (N above maxSummableVectors) or lengths.
 */
export function sumPacked(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: QuantBits, numValues: number, dst: Int32Array): void {
  checkStack(stacked, numVectors, wordsPerVector, bits, numValues);
  checkLength('dst', dst, numValues, 'numValues');
  sumPackedJs(stacked, numVectors, wordsPerVector, bits, numValues, dst);
}

/**
 * Writes the 1-bit sign code (docs/wire-format.md) of Σ_k q_k into `dst` without storing the sums:
 * bit i is 1 iff the sum is negative; a zero sum (all abstained, or a tie) takes bit i of `ties` when given
 * (a 1-bit code of ceil(numValues/32) words, e.g. the owner's own sign of c), otherwise the parity rule,
 * bit (i + step) mod 2. Zeros in the inputs are abstentions, never votes. Padding bits are 0.
 * Layout of `stacked` as in sumPacked; `dst` must hold exactly ceil(numValues/32) words.
 * Runs in wasm when every array lives in kernel memory, in JS otherwise (same bits).
 * Throws InvalidArgumentError on bad bits, counts, step or lengths.
 */
export function signOfSumPacked(stacked: Uint32Array, numVectors: number, wordsPerVector: number, bits: QuantBits, numValues: number,
  dst: Uint32Array, step: number, ties?: Uint32Array): void {
  checkStack(stacked, numVectors, wordsPerVector, bits, numValues);
  checkStep(step);
  checkLength('dst', dst, Math.ceil(numValues / 32), `ceil(${numValues}/32) words`);
  if (ties !== undefined) checkLength('ties', ties, Math.ceil(numValues / 32), `ceil(${numValues}/32) words of the tie code`);
  if (numValues === 0) return;
  const parity = parityWord(step);
  if (ties ? canUseWasm(stacked, dst, ties) : canUseWasm(stacked, dst)) {
    kernelFlag('quant', 'signOfSumPacked', quantKernels().signOfSumPacked(stacked.byteOffset, numVectors, wordsPerVector * 4, bits,
      numValues, dst.byteOffset, parity, ties?.byteOffset ?? 0, ties ? 1 : 0));
  } else {
    signOfSumPackedJs(stacked, numVectors, wordsPerVector, bits, numValues, dst, parity, ties);
  }
}
