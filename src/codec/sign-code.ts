// The 1-bit sign code (docs/wire-format.md): pack floats to sign bits and unpack bits to ±1, in wasm or plain JS.

import { checkStep, InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelMemory } from '../kernels/load.js';
import { checkCodeLength, checkSameLength } from './sign-code-checks.js';
import { signKernels } from './sign-code-kernels.js';
import { packSignsJs, unpackSignsJs } from './sign-code-js.js';

export { signCodeWords } from './sign-code-checks.js';

/**
 * Packs the sign of every value of `src` into `dst`: value i → word ⌊i/32⌋, bit i mod 32,
 * bit 1 = negative (the float's sign bit). +0, −0 and NaN carry no sign and take the
 * parity rule: bit (i + step) mod 2. Padding bits of the last word are written as 0.
 *
 * `dst` must hold exactly ceil(src.length / 32) words. Runs the wasm kernel when both
 * arrays live in kernel memory, the plain-JS reference otherwise (same bits).
 * Throws InvalidArgumentError on a wrong `dst` length or a step that is not a non-negative integer.
 */
export function packSigns(src: Float32Array, dst: Uint32Array, step: number): void {
  checkStep(step);
  kernelMemory.checkLive('src', src);
  checkCodeLength('dst', dst, src.length);
  if (src.length === 0) return;
  if (canUseWasm(src, dst)) signKernels().packSigns(src.byteOffset, dst.byteOffset, src.length, step & 1);
  else packSignsJs(src, dst, step);
}

/**
 * Writes the vote of each of the `numValues` values coded in `code` to `dst`: −1 where the bit
 * is 1, +1 where it is 0. Padding bits are ignored. `code` must hold ceil(numValues / 32) words
 * and `dst` exactly `numValues` floats; otherwise throws InvalidArgumentError.
 */
export function unpackSigns(code: Uint32Array, numValues: number, dst: Float32Array): void {
  if (!Number.isSafeInteger(numValues) || numValues < 0) {
    throw new InvalidArgumentError('numValues', numValues, 'a non-negative integer');
  }
  checkCodeLength('code', code, numValues);
  checkSameLength('dst', dst, numValues);
  if (numValues === 0) return;
  if (canUseWasm(code, dst)) signKernels().unpackSigns(code.byteOffset, numValues, dst.byteOffset);
  else unpackSignsJs(code, numValues, dst);
}
