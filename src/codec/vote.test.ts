import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_VOTE_VECTORS, tallySigns, voteSigns } from './vote.js';
import { tallySignsJs, voteSignsJs } from './vote-js.js';
import { packSigns, signCodeWords, unpackSigns } from './sign-code.js';
import { parityBit, parityWord } from './parity.js';
import { canUseWasm, kernelMemory } from '../kernels/load.js';
import { InvalidArgumentError } from '../errors.js';
import { randomFloat32, seededRandom } from '../random.js';

/** N random codes of numValues values each, with 0 padding as every packer writes. */
function randomCodes(numVectors: number, numValues: number, seed: number): Uint32Array {
  const words = signCodeWords(numValues);
  const stacked = new Uint32Array(numVectors * words);
  for (let k = 0; k < numVectors; k++) {
    packSigns(randomFloat32(numValues, seed * 7919 + k), stacked.subarray(k * words, (k + 1) * words), 0);
  }
  return stacked;
}

/** Brute force on floats: unpack every code to ±1, add them up, take the sign (ties by the parity rule). */
function floatReference(stacked: Uint32Array, numVectors: number, numValues: number, step: number): { vote: Uint32Array; sums: Float32Array } {
  const words = signCodeWords(numValues);
  const sums = new Float32Array(numValues);
  const votes = new Float32Array(numValues);
  for (let k = 0; k < numVectors; k++) {
    unpackSigns(stacked.subarray(k * words, (k + 1) * words), numValues, votes);
    for (let i = 0; i < numValues; i++) sums[i] += votes[i];
  }
  const vote = new Uint32Array(words);
  for (let i = 0; i < numValues; i++) {
    const bit = sums[i] < 0 ? 1 : sums[i] > 0 ? 0 : parityBit(i, step);
    vote[i >>> 5] |= bit << (i & 31);
  }
  return { vote, sums };
}

/** Votes in kernel memory (wasm) and in plain arrays (JS); both must match and are returned once. */
function voteBothPaths(stacked: Uint32Array, numVectors: number, words: number, step: number): Uint32Array {
  const js = new Uint32Array(words);
  voteSigns(stacked, numVectors, words, js, step);
  const inRegion = kernelMemory.allocU32(stacked.length);
  const outRegion = kernelMemory.allocU32(words);
  try {
    const input = inRegion.u32();
    input.set(stacked);
    const out = outRegion.u32();
    assert.ok(canUseWasm(input, out));
    voteSigns(input, numVectors, words, out, step);
    assert.deepEqual(out, js, `wasm vs JS, N = ${numVectors}, W = ${words}, step ${step}`);
  } finally {
    kernelMemory.release(inRegion);
    kernelMemory.release(outRegion);
  }
  return js;
}

/** Tallies in plain arrays (JS) and in kernel memory (wasm); both must match and are returned once. */
function tallyBothPaths(stacked: Uint32Array, numVectors: number, numValues: number): Int32Array {
  const words = signCodeWords(numValues);
  const js = new Int32Array(numValues);
  tallySigns(stacked, numVectors, words, numValues, js);
  const inRegion = kernelMemory.allocU32(stacked.length);
  const outRegion = kernelMemory.alloc(numValues * 4);
  try {
    const input = inRegion.u32();
    input.set(stacked);
    const out = outRegion.i32();
    assert.ok(canUseWasm(input, out));
    tallySigns(input, numVectors, words, numValues, out);
    assert.deepEqual(out, js, `tally wasm vs JS, N = ${numVectors}, ${numValues} values`);
  } finally {
    kernelMemory.release(inRegion);
    kernelMemory.release(outRegion);
  }
  return js;
}

for (const numVectors of [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 30, 31, 64, 65, 1024]) {
  test(`vote and tally of N = ${numVectors} match the brute-force float reference`, () => {
    // 70 values: tail words only; 300 values: SIMD columns plus a tail
    for (const numValues of [1, 70, 300]) {
      const stacked = randomCodes(numVectors, numValues, numVectors + numValues);
      const words = signCodeWords(numValues);
      for (const step of [0, 1]) {
        const expected = floatReference(stacked, numVectors, numValues, step);
        assert.deepEqual(voteBothPaths(stacked, numVectors, words, step), expected.vote, `values ${numValues} step ${step}`);
        assert.deepEqual([...tallyBothPaths(stacked, numVectors, numValues)], [...expected.sums]);
      }
    }
  });
}

test('N = 1 returns the code itself', () => {
  const code = randomCodes(1, 1000, 3);
  assert.deepEqual(voteBothPaths(code, 1, code.length, 0), code);
  assert.deepEqual(voteBothPaths(code, 1, code.length, 1), code);
});

test('ties of an even N take the parity rule; a strict majority always wins', () => {
  // columns of 4 words so both the SIMD and the one-word paths see the same patterns
  const a = new Uint32Array([0x0f0f0f0f, 0xffffffff, 0, 0x12345678, 0x9abcdef0]);
  const complement = a.map((w) => ~w >>> 0);
  const tie = new Uint32Array([...a, ...complement]);
  assert.deepEqual(voteBothPaths(tie, 2, 5, 0), new Uint32Array(5).fill(parityWord(0) >>> 0));
  assert.deepEqual(voteBothPaths(tie, 2, 5, 1), new Uint32Array(5).fill(parityWord(1)));
  // N = 3 with two −1 votes must be −1 (an off-by-one threshold would give +1 or a tie)
  const ones = new Uint32Array(5).fill(0xffffffff);
  assert.deepEqual(voteBothPaths(new Uint32Array([...ones, ...ones, ...new Uint32Array(5)]), 3, 5, 0), ones);
  assert.deepEqual(voteBothPaths(new Uint32Array([...ones, ...new Uint32Array(10)]), 3, 5, 0), new Uint32Array(5));
  // N = 4: 3 against 1 is a majority, not a tie
  assert.deepEqual(voteBothPaths(new Uint32Array([...ones, ...ones, ...ones, ...new Uint32Array(5)]), 4, 5, 1), ones);
});

test('large N: exact thresholds at N = 1024 and at the limit', () => {
  for (const numVectors of [1024, 1025, MAX_VOTE_VECTORS]) {
    const words = 5;
    const half = numVectors >>> 1;
    // bit j of every word: j < 8 gets half ones (tie when N is even), j < 16 half+1, j < 24 half−1, else all
    const stacked = new Uint32Array(numVectors * words);
    for (let k = 0; k < numVectors; k++) {
      let word = 0;
      for (let j = 0; j < 32; j++) {
        const count = j < 8 ? half : j < 16 ? half + 1 : j < 24 ? half - 1 : numVectors;
        if (k < count) word |= 1 << j;
      }
      stacked.fill(word >>> 0, k * words, (k + 1) * words);
    }
    const even = numVectors % 2 === 0;
    const tieBits = even ? parityWord(0) & 0xff : 0;
    // half ones tie for even N and lose for odd N (2·half < N); half+1 always win; half−1 always lose
    const expected = (tieBits | 0xff00 | 0xff000000) >>> 0;
    assert.deepEqual(voteBothPaths(stacked, numVectors, words, 0), new Uint32Array(words).fill(expected), `N = ${numVectors}`);
  }
});

test('vote: wasm, JS and the float reference agree on random N, lengths and steps (property)', () => {
  fc.assert(fc.property(
    fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 41, max: 300 })),
    fc.integer({ min: 0, max: 400 }), fc.nat(), fc.nat(),
    (numVectors, numValues, step, seed) => {
      const stacked = randomCodes(numVectors, numValues, seed);
      const expected = floatReference(stacked, numVectors, numValues, step);
      assert.deepEqual(voteBothPaths(stacked, numVectors, signCodeWords(numValues), step), expected.vote);
    }), { numRuns: 60 });
});

for (const numValues of [0, 1, 31, 32, 33, 1000, 2 ** 20 + 3]) {
  test(`vote and tally: wasm identical to JS at ${numValues} values, N = 8 and 5`, () => {
    const words = signCodeWords(numValues);
    for (const numVectors of [8, 5]) {
      // raw random words, padding included: both paths treat padding alike
      const stacked = new Uint32Array(numVectors * words);
      const rand = seededRandom(numValues + numVectors);
      for (let i = 0; i < stacked.length; i++) stacked[i] = (rand() * 2 ** 32) >>> 0;
      const js = new Uint32Array(words);
      voteSignsJs(stacked, numVectors, words, js, 1);
      assert.deepEqual(voteBothPaths(stacked, numVectors, words, 1), js);
      const jsTally = new Int32Array(numValues);
      tallySignsJs(stacked, numVectors, words, numValues, jsTally);
      assert.deepEqual(tallyBothPaths(stacked, numVectors, numValues), jsTally);
    }
  });
}

test('tally ignores padding bits', () => {
  const numValues = 40;
  // both codes set every padding bit of their last word
  const stacked = new Uint32Array([0xffffffff, 0xffffffff, 0xffffffff, 0xffffff00]);
  const expected = new Array(numValues).fill(-2).fill(0, 32);
  assert.deepEqual([...tallyBothPaths(stacked, 2, numValues)], expected);
});

test('counts and lengths are validated with InvalidArgumentError', () => {
  const isInvalid = (field: string) => (e: unknown) => e instanceof InvalidArgumentError && e.field === field;
  const dst = new Uint32Array(2);
  assert.throws(() => voteSigns(new Uint32Array(0), 0, 2, dst, 0), isInvalid('numVectors'));
  assert.throws(() => voteSigns(new Uint32Array(2 * 4096), MAX_VOTE_VECTORS + 1, 2, dst, 0), isInvalid('numVectors'));
  assert.throws(() => voteSigns(new Uint32Array(5), 3, 2, dst, 0), isInvalid('stacked.length'));
  assert.throws(() => voteSigns(new Uint32Array(6), 3, 2, new Uint32Array(3), 0), isInvalid('dst.length'));
  assert.throws(() => voteSigns(new Uint32Array(6), 3, 2, dst, -2), isInvalid('step'));
  assert.throws(() => tallySigns(new Uint32Array(6), 3, 2, 65, new Int32Array(65)), isInvalid('wordsPerVector'));
  assert.throws(() => tallySigns(new Uint32Array(6), 3, 2, 64, new Int32Array(63)), isInvalid('dst.length'));
  voteSigns(new Uint32Array(0), 3, 0, new Uint32Array(0), 0);
});
