// Options, segment lists and argument checks shared by the p-bit and int8 quantisers.

import { checkStep, InvalidArgumentError } from '../errors.js';
import { kernelMemory } from '../kernels/load.js';

/** One layer (parameter tensor) of the flat update vector: values [offset, offset + length). */
export interface Segment {
  offset: number;
  length: number;
}

/** How each segment's values are mapped to integers in [−s, s] (docs/wire-format.md, p-bit code). */
export type QuantMethod = 'sign' | 'l1' | 'l0' | 'linf' | 'stochastic' | 'ternary';

/** Every quantiser of cub-pbit, by name (`quant=`). */
export const QUANT_METHODS: readonly QuantMethod[] = ['sign', 'l1', 'l0', 'linf', 'stochastic', 'ternary'];

/** Bits per quantised value: 2, 4 or 8. */
export type QuantBits = 2 | 4 | 8;

/** Options of `quantize` and `lionEncodeQuant`. */
export interface QuantizeOptions {
  /** Bits per value p: 2, 4 or 8. */
  bits: QuantBits;
  method: QuantMethod;
  /** Levels s: q ∈ [−s, s]. Default 2^(p−1) − 1; must be 1 ≤ s ≤ 2^(p−1) − 1. Ignored by `sign`; `ternary` is s = 1. */
  levels?: number;
  /** stochastic only: this worker's seed (give each rank its own), a 32-bit unsigned integer. */
  seed?: number;
  /** stochastic only: the training step; with `seed` it selects the random stream (taken mod 2^32). */
  step?: number;
  /** l0 only: ε in μ = exp(mean(log(|c| + ε))); default 1e-12. */
  epsilon?: number;
}

/** Options of `quantizeInt8`: one value per byte, `levels` s = ⌊127/N⌋ for N ranks (see `int8Levels`). */
export interface Int8QuantizeOptions {
  method: QuantMethod;
  levels: number;
  seed?: number;
  step?: number;
  epsilon?: number;
}

/** Options after checking: every field present and valid. */
export interface ResolvedQuant {
  bits: QuantBits;
  method: QuantMethod;
  levels: number;
  seed: number;
  step: number;
  epsilon: number;
}

export const DEFAULT_L0_EPSILON = 1e-12;

/** The largest level of a p-bit code: s = 2^(p−1) − 1 (1, 7, 127). */
export function defaultLevels(bits: QuantBits): number {
  return (1 << (bits - 1)) - 1;
}

/** Number of 32-bit words of a p-bit code of `numValues` values: ceil(numValues·p / 32). */
export function packedWordCount(numValues: number, bits: QuantBits): number {
  return Math.ceil((numValues * bits) / 32);
}

export function checkBits(bits: unknown): asserts bits is QuantBits {
  if (bits !== 2 && bits !== 4 && bits !== 8) throw new InvalidArgumentError('bits', bits, '2, 4 or 8 bits per value');
}

export function checkLength(field: string, view: { length: number }, expected: number, what: string): void {
  if (ArrayBuffer.isView(view)) kernelMemory.checkLive(field, view);
  if (view.length !== expected) throw new InvalidArgumentError(`${field}.length`, view.length, `${expected} (${what})`);
}

/** Checks user options against the bit width `bits` (8 for int8 codes) and fills defaults. */
export function resolveQuantOptions(options: QuantizeOptions | (Int8QuantizeOptions & { bits: 8 })): ResolvedQuant {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, 'an object with bits and method');
  const { bits, method } = options;
  checkBits(bits);
  if (!QUANT_METHODS.includes(method)) throw new InvalidArgumentError('method', method, `one of ${QUANT_METHODS.join(', ')}`);
  const maxLevels = defaultLevels(bits);
  let levels = options.levels ?? maxLevels;
  if (!Number.isInteger(levels) || levels < 1 || levels > maxLevels) {
    throw new InvalidArgumentError('levels', options.levels, `an integer from 1 to ${maxLevels} (2^(p−1) − 1 for p = ${bits} bits)`);
  }
  if (method === 'sign') levels = 1;
  if (method === 'ternary') {
    if (options.levels !== undefined && options.levels !== 1) {
      throw new InvalidArgumentError('levels', options.levels, '1 or nothing for ternary (it is l1 with s = 1)');
    }
    levels = 1;
  }
  let seed = 0;
  let step = 0;
  if (method === 'stochastic') {
    if (typeof options.seed !== 'number' || !Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
      throw new InvalidArgumentError('seed', options.seed, 'an integer from 0 to 2^32 − 1 (stochastic rounding needs a seed per rank)');
    }
    checkStep(options.step);
    seed = options.seed;
    step = options.step;
  }
  const epsilon = options.epsilon ?? DEFAULT_L0_EPSILON;
  if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw new InvalidArgumentError('epsilon', options.epsilon, 'a positive finite number');
  }
  return { bits, method, levels, seed, step, epsilon };
}

/**
 * Segments must tile [0, numValues) in order: the first starts at 0, each starts where the
 * previous ended, the last ends at numValues. Empty segments are allowed.
 */
export function checkSegments(segments: readonly Segment[], numValues: number): void {
  if (!Array.isArray(segments)) throw new InvalidArgumentError('segments', segments, 'an array of {offset, length}');
  let next = 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const offset = seg?.offset;
    const length = seg?.length;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || length < 0) {
      throw new InvalidArgumentError(`segments[${i}]`, seg, 'integer offset and non-negative integer length');
    }
    if (offset !== next) {
      throw new InvalidArgumentError(`segments[${i}].offset`, offset, `${next}: segments must tile the vector in order, without gaps or overlap`);
    }
    next = offset + length;
  }
  if (next !== numValues) {
    throw new InvalidArgumentError('segments', `ending at ${next}`, `segments covering all ${numValues} values`);
  }
}

/** The whole vector as one segment. */
export function wholeVector(numValues: number): Segment[] {
  return [{ offset: 0, length: numValues }];
}
