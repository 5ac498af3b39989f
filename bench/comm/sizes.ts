// Parses the --sizes list of `bench comm`: byte counts and power-of-two ranges such as "1K..64M".

import { InvalidArgumentError } from '../../src/errors.js';
import { parseCount } from '../harness.js';

/** Upper bound of one size: 1 GiB arrays would not fit N ranks' buffers on one machine. */
const MAX_BYTES = 2 ** 30;

/**
 * "1K..64M" → 1024, 2048, …, 67108864 (every power of two in the range, ends included when they are powers
 * of two); "4K,1M" → 4096, 1048576; items combine: "1K..4K,1M". Multiples are binary (K = 1024, M = 2^20,
 * G = 2^30). Returns sizes ascending without duplicates. Throws InvalidArgumentError (field --sizes) otherwise.
 */
export function parseSizes(text: string): number[] {
  const expectation = 'byte counts or power-of-two ranges, comma-separated, e.g. 1K..64M or 4K,1M (K = 1024), each in [1, 1G]';
  const out = new Set<number>();
  const check = (item: string): number => {
    const n = parseCount(item);
    if (!Number.isInteger(n) || n < 1 || n > MAX_BYTES) throw new InvalidArgumentError('--sizes', text, expectation);
    return n;
  };
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s.length === 0)) throw new InvalidArgumentError('--sizes', text, expectation);
  for (const item of items) {
    const range = item.split('..');
    if (range.length === 1) {
      out.add(check(item));
    } else if (range.length === 2) {
      const [lo, hi] = [check(range[0]), check(range[1])];
      if (lo > hi) throw new InvalidArgumentError('--sizes', text, `${expectation}; a range runs from small to large`);
      for (let p = 2 ** Math.ceil(Math.log2(lo)); p <= hi; p *= 2) out.add(p);
    } else {
      throw new InvalidArgumentError('--sizes', text, expectation);
    }
  }
  return [...out].sort((a, b) => a - b);
}
