// Parses the count lists of `bench comm` (--sizes in bytes, --params in values): numbers and power-of-two ranges such as "1K..64M".

import { InvalidArgumentError } from '../../errors.js';
import { parseCount } from '../harness.js';

/** Upper bound of one size: 1 GiB arrays would not fit N ranks' buffers on one machine. */
export const MAX_BYTES = 2 ** 30;

/** Upper bound of --params: 2^28 values are 1 GiB of float32, the --sizes bound. */
export const MAX_PARAMS = 2 ** 28;

/**
 * "1K..64M" → 1024, 2048, …, 67108864 (every power of two in the range, ends included when they are powers
 * of two); "4K,1M" → 4096, 1048576; items combine: "1K..4K,1M". Multiples are binary (K = 1024, M = 2^20,
 * G = 2^30). Returns the counts ascending without duplicates. Throws InvalidArgumentError naming `flag`
 * for malformed text, a count outside [1, max], or a range running from large to small.
 */
export function parseCountList(text: string, flag: string, max: number, unit: string): number[] {
  const expectation = `${unit} counts or power-of-two ranges, comma-separated, e.g. 1K..64M or 4K,1M (K = 1024), each in [1, ${binaryLabel(max)}]`;
  const out = new Set<number>();
  const check = (item: string): number => {
    const n = parseCount(item);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(flag, text, expectation);
    return n;
  };
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s.length === 0)) throw new InvalidArgumentError(flag, text, expectation);
  for (const item of items) {
    const range = item.split('..');
    if (range.length === 1) {
      out.add(check(item));
    } else if (range.length === 2) {
      const [lo, hi] = [check(range[0]), check(range[1])];
      if (lo > hi) throw new InvalidArgumentError(flag, text, `${expectation}; a range runs from small to large`);
      for (let p = 2 ** Math.ceil(Math.log2(lo)); p <= hi; p *= 2) out.add(p);
    } else {
      throw new InvalidArgumentError(flag, text, expectation);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** 2^30 → "1G", 2^28 → "256M" (for messages). */
function binaryLabel(n: number): string {
  if (n % 2 ** 30 === 0) return `${n / 2 ** 30}G`;
  if (n % 2 ** 20 === 0) return `${n / 2 ** 20}M`;
  return String(n);
}

/** --sizes: bytes S of the plain collectives' arrays, each in [1, 1 GiB]. */
export function parseSizes(text: string): number[] {
  return parseCountList(text, '--sizes', MAX_BYTES, 'byte');
}

/** --params: numbers of parameters d, each in [1, 2^28]. */
export function parseParams(text: string): number[] {
  return parseCountList(text, '--params', MAX_PARAMS, 'parameter');
}
