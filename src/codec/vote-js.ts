// Plain-JS reference of the majority vote and the vote tally over packed 1-bit codes (bit-sliced counters).

import { parityWord } from './parity.js';

/**
 * Majority vote of `numVectors` codes of `wordsPerVector` words each, vector k at words
 * [k·W, (k+1)·W) of `stacked`. Per word, the number of 1 bits k at each bit position is
 * kept in bit planes (plane j holds bit j of the count, for all 32 positions at once) and
 * incremented with a ripple-carry adder.
 * Result bit 1 iff 2k > N; a tie (2k = N) takes the parity rule at `step`. Lengths are not checked here.
 */
export function voteSignsJs(stacked: Uint32Array, numVectors: number, wordsPerVector: number, dst: Uint32Array, step: number): void {
  const half = numVectors >>> 1;
  const tie = (numVectors & 1) === 0 ? parityWord(step) : 0;
  if (numVectors <= 15) voteSmall(stacked, numVectors, wordsPerVector, dst, half, tie);
  else voteAny(stacked, numVectors, wordsPerVector, dst, half, tie);
}

/**
 * N ≤ 15: five planes in locals, started at 15 − ⌊N/2⌋ so that plane 4 ends up set exactly
 * where k > ⌊N/2⌋ and planes 0..3 are all ones exactly where k = ⌊N/2⌋.
 */
function voteSmall(stacked: Uint32Array, numVectors: number, wordsPerVector: number, dst: Uint32Array, half: number, tie: number): void {
  const bias = 15 - half;
  const b0 = -(bias & 1), b1 = -((bias >>> 1) & 1), b2 = -((bias >>> 2) & 1), b3 = -((bias >>> 3) & 1);
  for (let w = 0; w < wordsPerVector; w++) {
    let l0 = b0, l1 = b1, l2 = b2, l3 = b3, l4 = 0;
    for (let k = 0, at = w; k < numVectors; k++, at += wordsPerVector) {
      const x = stacked[at] | 0;
      const c0 = l0 & x; l0 ^= x;
      const c1 = l1 & c0; l1 ^= c0;
      const c2 = l2 & c1; l2 ^= c1;
      l4 |= l3 & c2; l3 ^= c2;
    }
    dst[w] = l4 | (l0 & l1 & l2 & l3 & tie);
  }
}

/** Any N: a plane array with a ripple-carry increment per input, then k compared with ⌊N/2⌋ from the top plane down. */
function voteAny(stacked: Uint32Array, numVectors: number, wordsPerVector: number, dst: Uint32Array, half: number, tie: number): void {
  const numPlanes = 32 - Math.clz32(numVectors);
  const planes = new Int32Array(numPlanes);
  for (let w = 0; w < wordsPerVector; w++) {
    planes.fill(0);
    for (let k = 0, at = w; k < numVectors; k++, at += wordsPerVector) {
      let carry = stacked[at] | 0;
      // the count stays below 2^numPlanes, so the carry dies before running off the top plane
      for (let j = 0; carry !== 0; j++) {
        const next = planes[j] & carry;
        planes[j] ^= carry;
        carry = next;
      }
    }
    let greater = 0;
    let equal = -1;
    for (let j = numPlanes - 1; j >= 0; j--) {
      const plane = planes[j];
      if ((half >>> j) & 1) equal &= plane;
      else {
        greater |= equal & plane;
        equal &= ~plane;
      }
    }
    dst[w] = greater | (equal & tie);
  }
}

/**
 * Sum of the ±1 votes of each of the first `numValues` values: dst[i] = N − 2·k_i where k_i
 * counts the codes with bit i set. Padding bits are ignored. Lengths are not checked here.
 */
export function tallySignsJs(stacked: Uint32Array, numVectors: number, wordsPerVector: number, numValues: number, dst: Int32Array): void {
  dst.fill(numVectors, 0, numValues);
  const lastWord = wordsPerVector - 1;
  const lastMask = numValues & 31 ? (1 << (numValues & 31)) - 1 : -1;
  for (let k = 0; k < numVectors; k++) {
    const base = k * wordsPerVector;
    for (let w = 0; w < wordsPerVector; w++) {
      let word = stacked[base + w] | 0;
      if (w === lastWord) word &= lastMask;
      const first = w << 5;
      while (word !== 0) {
        const lowest = word & -word;
        dst[first + 31 - Math.clz32(lowest)] -= 2;
        word ^= lowest;
      }
    }
  }
}
