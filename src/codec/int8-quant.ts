// The paper's int8 variant: one quantised value per byte with s = ⌊127/N⌋, and the sign of the int8 sum.

import { checkStep, InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelMemory } from '../kernels/load.js';
import { parityWord } from './parity.js';
import { quantKernels } from './quant-kernels.js';
import { checkLength, checkSegments, resolveQuantOptions, type Int8QuantizeOptions, type QuantMethod, type Segment } from './quant-options.js';
import { encodeSegments } from './quant.js';
import { plainSource } from './quant-source.js';

/** Levels that keep an int8 sum over `numWorkers` ranks from overflowing: s = ⌊127/N⌋ (N ≤ 127). */
export function int8Levels(numWorkers: number): number {
  if (!Number.isInteger(numWorkers) || numWorkers < 1 || numWorkers > 127) {
    throw new InvalidArgumentError('numWorkers', numWorkers, 'an integer from 1 to 127 (beyond, ⌊127/N⌋ = 0 levels: use the p-bit reduce-scatter)');
  }
  return Math.floor(127 / numWorkers);
}

/**
 * The levels `method` quantises to on the int8 ring over `numWorkers` ranks: ⌊127/N⌋ for the scaled methods,
 * 1 for `ternary` (L1 with s = 1: above-average coordinates vote ±1, the rest abstain; N votes of ±1 sum to at
 * most N ≤ 127, so it fits the int8 sum at every N the ring allows) and for `sign`.
 */
export function int8LevelsFor(method: QuantMethod, numWorkers: number): number {
  const levels = int8Levels(numWorkers);
  return method === 'ternary' || method === 'sign' ? 1 : levels;
}

/**
 * Quantises `c` per segment exactly as `quantize` with p = 8 (same methods and formulas), one
 * value per byte: dst[i] = q_i ∈ [−s, s]. `options.levels` is required (1…127); with s = ⌊127/N⌋
 * the sum over N ranks stays within int8. `dst` must hold exactly c.length bytes.
 * Throws InvalidArgumentError on bad options, segments or lengths.
 */
export function quantizeInt8(c: Float32Array, segments: readonly Segment[], options: Int8QuantizeOptions, dst: Int8Array): void {
  if (options?.levels === undefined) throw new InvalidArgumentError('levels', undefined, 'an integer from 1 to 127, e.g. int8Levels(numWorkers)');
  kernelMemory.checkLive('c', c);
  const q = resolveQuantOptions({ ...options, bits: 8 });
  checkSegments(segments, c.length);
  checkLength('dst', dst, c.length, 'one byte per value');
  encodeSegments(plainSource(c), c.length, segments, q, dst, canUseWasm(c, dst));
}

/**
 * The 1-bit sign code of int8 sums (the result of an int8 sum-allreduce): bit i is 1 iff sums[i] < 0;
 * a zero sum takes the parity rule, bit (i + step) mod 2. `dst` must hold exactly ceil(sums.length/32) words.
 * Throws InvalidArgumentError on a bad step or length.
 */
export function signOfInt8Sum(sums: Int8Array, dst: Uint32Array, step: number): void {
  checkStep(step);
  kernelMemory.checkLive('sums', sums);
  const n = sums.length;
  checkLength('dst', dst, Math.ceil(n / 32), `ceil(${n}/32) words`);
  if (n === 0) return;
  const parity = parityWord(step);
  if (canUseWasm(sums, dst)) {
    quantKernels().signOfInt8Sum(sums.byteOffset, n, dst.byteOffset, parity);
    return;
  }
  for (let w = 0; w < dst.length; w++) {
    const base = w * 32;
    const count = Math.min(32, n - base);
    let word = 0;
    for (let j = 0; j < count; j++) {
      const s = sums[base + j];
      word |= (s < 0 ? 1 : s === 0 ? (parity >>> j) & 1 : 0) << j;
    }
    dst[w] = word;
  }
}
