// Test support for the p-bit sum kernels: random rows of p-bit values, their stacked codes, and brute-force sums and signs.

import { kernelMemory } from '../../kernels/load.js';
import { seededRandom } from '../../random.js';
import { packSigned, packedWordCount } from '../pbit-pack.js';
import type { QuantBits } from '../quant-options.js';

/** N rows of random values in [lo, hi] (optionally biased towards 0 to make zero sums common). */
export function randomRows(numVectors: number, numValues: number, bits: QuantBits, seed: number, full = false): Int32Array[] {
  const rand = seededRandom(seed);
  const s = (1 << (bits - 1)) - 1;
  const lo = full ? -s - 1 : -s;
  return Array.from({ length: numVectors }, () => {
    const row = new Int32Array(numValues);
    // Small magnitudes often, so that sums of zero and ties are frequent.
    for (let i = 0; i < numValues; i++) row[i] = rand() < 0.5 ? Math.floor(rand() * 3) - 1 : lo + Math.floor(rand() * (s - lo + 1));
    return row;
  });
}

export function stack(rows: Int32Array[], bits: QuantBits, wordsPerVector: number, into?: Uint32Array): Uint32Array {
  const numValues = rows[0]?.length ?? 0;
  const out = into ?? new Uint32Array(rows.length * wordsPerVector);
  const code = new Uint32Array(packedWordCount(numValues, bits));
  rows.forEach((row, k) => {
    packSigned(row, bits, code);
    out.set(code, k * wordsPerVector);
  });
  return out;
}

export function bruteSums(rows: Int32Array[], numValues: number): number[] {
  const sums: number[] = new Array(numValues).fill(0);
  for (const row of rows) for (let i = 0; i < numValues; i++) sums[i] += row[i];
  return sums;
}

/** Brute-force sign code: negative → 1, positive → 0, zero → bit i of `ties` when given, else (i + step) mod 2. */
export function bruteSignCode(sums: number[], step: number, ties?: Uint32Array): Uint32Array {
  const out = new Uint32Array(Math.ceil(sums.length / 32));
  sums.forEach((s, i) => {
    const bit = s < 0 ? 1 : s > 0 ? 0 : ties ? (ties[i >>> 5] >>> (i & 31)) & 1 : (i + step) & 1;
    out[i >>> 5] |= bit << (i & 31);
  });
  return out;
}

export function inKernel(words: Uint32Array): { view: () => Uint32Array; free: () => void } {
  const region = kernelMemory.allocU32(words.length);
  region.u32().set(words);
  return { view: () => region.u32(), free: () => kernelMemory.release(region) };
}
