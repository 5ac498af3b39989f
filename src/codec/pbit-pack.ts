// Packing and unpacking of signed integers as a p-bit code (two's complement, LSB first, 32/p values per word).

import { InvalidArgumentError } from '../errors.js';
import { checkBits, checkLength, packedWordCount, type QuantBits } from './quant-options.js';

export { packedWordCount } from './quant-options.js';

type IntArray = Int8Array | Int16Array | Int32Array;

/**
 * Packs `values` into `dst`: value i at word ⌊i·p/32⌋, bits (i·p) mod 32 upward, two's complement;
 * padding bits of the last word are 0. Every value must lie in [−2^(p−1), 2^(p−1) − 1].
 * `dst` must hold exactly ceil(values.length·p/32) words.
 * Throws InvalidArgumentError on bad bits, a value out of range (naming its index) or a wrong `dst` length.
 */
export function packSigned(values: IntArray, bits: QuantBits, dst: Uint32Array): void {
  checkBits(bits);
  const n = values.length;
  checkLength('dst', dst, packedWordCount(n, bits), `ceil(${n}·${bits}/32) words`);
  const lo = -(1 << (bits - 1));
  const hi = (1 << (bits - 1)) - 1;
  const mask = (1 << bits) - 1;
  for (let w = 0, i = 0; w < dst.length; w++) {
    let word = 0;
    for (let shift = 0; shift < 32 && i < n; shift += bits, i++) {
      const v = values[i];
      if (v < lo || v > hi) throw new InvalidArgumentError(`values[${i}]`, v, `an integer in [${lo}, ${hi}] for ${bits}-bit codes`);
      word |= (v & mask) << shift;
    }
    dst[w] = word;
  }
}

/**
 * Unpacks the first `numValues` values of the p-bit code `packed` (sign-extended) into `dst`.
 * `packed` must hold at least ceil(numValues·p/32) words (padding is ignored); `dst` exactly `numValues` entries.
 * Throws InvalidArgumentError on bad bits, numValues or lengths.
 */
export function unpackSigned(packed: Uint32Array, bits: QuantBits, numValues: number, dst: IntArray): void {
  checkBits(bits);
  if (!Number.isSafeInteger(numValues) || numValues < 0) throw new InvalidArgumentError('numValues', numValues, 'a non-negative integer');
  const words = packedWordCount(numValues, bits);
  if (packed.length < words) throw new InvalidArgumentError('packed.length', packed.length, `at least ${words} words for ${numValues} ${bits}-bit values`);
  checkLength('dst', dst, numValues, 'numValues');
  const down = 32 - bits;
  for (let i = 0; i < numValues; i++) {
    const bit = i * bits;
    // Move the field to the top of the word, then shift it down arithmetically to sign-extend it.
    dst[i] = (packed[bit >>> 5] << (down - (bit & 31))) >> down;
  }
}
