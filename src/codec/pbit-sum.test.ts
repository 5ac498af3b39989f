import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kernelMemory } from '../kernels/load.js';
import { InvalidArgumentError } from '../errors.js';
import { seededRandom } from '../random.js';
import { packedWordCount } from './pbit-pack.js';
import { maxSummableVectors, signOfSumPacked, sumPacked } from './pbit-sum.js';
import type { QuantBits } from './quant-options.js';
import { bruteSignCode, bruteSums, inKernel, randomRows, stack } from './test-support/pbit-rows.js';

test('hand-worked: 4-bit sums of three codes and their sign with the parity rule', () => {
  // values:   i=0  1  2  3  4
  // row 0:       7 -1  0  2 -8
  // row 1:      -7  0  0 -3  1
  // row 2:       1  1  0  1  2
  // sums:        1  0  0  0 -5 → sign bits 0, parity, parity, parity, 1
  // step 0: parity bit (i + 0) mod 2 → i=1: 1, i=2: 0, i=3: 1 → bits 0b11010 = 26
  // step 1: i=1: 0, i=2: 1, i=3: 0 → bits 0b10100 = 20
  const rows = [Int32Array.of(7, -1, 0, 2, -8), Int32Array.of(-7, 0, 0, -3, 1), Int32Array.of(1, 1, 0, 1, 2)];
  const stacked = stack(rows, 4, 1);
  const sums = new Int32Array(5);
  sumPacked(stacked, 3, 1, 4, 5, sums);
  assert.deepEqual([...sums], [1, 0, 0, 0, -5]);
  const dst = new Uint32Array(1);
  signOfSumPacked(stacked, 3, 1, 4, 5, dst, 0);
  assert.equal(dst[0], 26);
  signOfSumPacked(stacked, 3, 1, 4, 5, dst, 1);
  assert.equal(dst[0], 20);
  const k = inKernel(stacked);
  const kd = kernelMemory.allocU32(1);
  signOfSumPacked(k.view(), 3, 1, 4, 5, kd.u32(), 1);
  assert.equal(kd.u32()[0], 20, 'wasm');
  k.free();
  kernelMemory.release(kd);
});

test('an odd number of votes with a strict negative majority is negative, not zero (no ⌊N/2⌋ off-by-one)', () => {
  // N = 3 ternary votes −1, −1, +1: sum −1 → negative; N = 5 with two abstentions: −1, −1, +1, 0, 0 → negative.
  for (const rows of [[[-1], [-1], [1]], [[-1], [-1], [1], [0], [0]]]) {
    const stacked = stack(rows.map((r) => Int32Array.from(r)), 2, 1);
    const dst = new Uint32Array(1);
    for (const step of [0, 1]) {
      signOfSumPacked(stacked, rows.length, 1, 2, 1, dst, step);
      assert.equal(dst[0], 1);
    }
  }
});

test('all-abstaining inputs give the parity pattern, never all positive', () => {
  const stacked = new Uint32Array(3 * 4); // three 4-bit codes of 32 zeros each
  const dst = new Uint32Array(1);
  signOfSumPacked(stacked, 3, 4, 4, 32, dst, 0);
  assert.equal(dst[0], 0xaaaaaaaa);
  signOfSumPacked(stacked, 3, 4, 4, 32, dst, 1);
  assert.equal(dst[0], 0x55555555);
});

const N_VALUES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 64, 300];

test('sums and sign of sum equal brute force for N = 1..9, 16, 64, 300, every bit width, JS and wasm', () => {
  for (const bits of [2, 4, 8] as const) {
    for (const numVectors of N_VALUES) {
      for (const numValues of [1, 37, 130]) {
        const wordsPerVector = packedWordCount(numValues, bits) + (numVectors % 3); // also rows with spare words
        const rows = randomRows(numVectors, numValues, bits, numVectors * 1000 + numValues + bits, true);
        const stacked = stack(rows, bits, wordsPerVector);
        const sums = bruteSums(rows, numValues);
        const got = new Int32Array(numValues);
        sumPacked(stacked, numVectors, wordsPerVector, bits, numValues, got);
        assert.deepEqual([...got], sums, `sum bits=${bits} N=${numVectors} n=${numValues}`);
        const k = inKernel(stacked);
        const kd = kernelMemory.allocU32(Math.ceil(numValues / 32));
        for (const step of [0, 3]) {
          const want = bruteSignCode(sums, step);
          const js = new Uint32Array(want.length);
          signOfSumPacked(stacked, numVectors, wordsPerVector, bits, numValues, js, step);
          assert.deepEqual(js, want, `js sign bits=${bits} N=${numVectors} n=${numValues} step=${step}`);
          signOfSumPacked(k.view(), numVectors, wordsPerVector, bits, numValues, kd.u32(), step);
          assert.deepEqual(kd.u32(), want, `wasm sign bits=${bits} N=${numVectors} n=${numValues} step=${step}`);
        }
        k.free();
        kernelMemory.release(kd);
      }
    }
  }
});

test('property: sign of sum equals brute force over lengths, N, bits and steps (JS and wasm)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<QuantBits>(2, 4, 8), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(),
      (bits, numVectors, numValues, step, seed, extremes) => {
        const wordsPerVector = packedWordCount(numValues, bits);
        const rows = randomRows(numVectors, numValues, bits, seed, extremes);
        const stacked = stack(rows, bits, wordsPerVector);
        const want = bruteSignCode(bruteSums(rows, numValues), step);
        const js = new Uint32Array(want.length);
        signOfSumPacked(stacked, numVectors, wordsPerVector, bits, numValues, js, step);
        assert.deepEqual(js, want);
        const k = inKernel(stacked);
        const kd = kernelMemory.allocU32(want.length);
        try {
          signOfSumPacked(k.view(), numVectors, wordsPerVector, bits, numValues, kd.u32(), step);
          assert.deepEqual(kd.u32(), want);
        } finally {
          k.free();
          kernelMemory.release(kd);
        }
      }),
    { numRuns: 150 },
  );
});

test('no overflow: N codes all at the extreme value sum exactly beyond every narrow-lane chunk', () => {
  for (const bits of [2, 4, 8] as const) {
    const min = -(1 << (bits - 1));
    const max = (1 << (bits - 1)) - 1;
    // 1000 rows: more than every chunk (63, 15, 255 in wasm; 85, 17, 257 in JS), so chunks are widened and added.
    const numVectors = 1000;
    const numValues = 70;
    const wordsPerVector = packedWordCount(numValues, bits);
    const rows = Array.from({ length: numVectors }, (_, r) => Int32Array.from({ length: numValues }, (_, i) => (i % 2 === 0 ? min : r === 0 ? -max : max)));
    const stacked = stack(rows, bits, wordsPerVector);
    const sums = new Int32Array(numValues);
    sumPacked(stacked, numVectors, wordsPerVector, bits, numValues, sums);
    assert.equal(sums[0], numVectors * min);
    assert.equal(sums[1], (numVectors - 2) * max);
    const want = bruteSignCode([...sums], 0);
    const k = inKernel(stacked);
    const kd = kernelMemory.allocU32(want.length);
    signOfSumPacked(k.view(), numVectors, wordsPerVector, bits, numValues, kd.u32(), 0);
    assert.deepEqual(kd.u32(), want);
    k.free();
    kernelMemory.release(kd);
  }
});

test('JS and wasm sign of sum agree at lengths 0, 1, 31, 32, 33, 1000, 2^20+3', () => {
  for (const bits of [2, 4, 8] as const) {
    for (const numValues of [0, 1, 31, 32, 33, 1000, 2 ** 20 + 3]) {
      const numVectors = numValues > 100000 ? 3 : 5;
      const wordsPerVector = packedWordCount(numValues, bits);
      const region = kernelMemory.allocU32(numVectors * wordsPerVector);
      const rand = seededRandom(numValues + bits);
      // Random words are valid codes (every field pattern is a value), so fill them directly.
      const words = region.u32();
      for (let i = 0; i < words.length; i++) words[i] = (rand() * 2 ** 32) >>> 0;
      // Keep padding zero, as the codec requires.
      const tailBits = (numValues * bits) % 32;
      if (tailBits !== 0) for (let r = 0; r < numVectors; r++) words[(r + 1) * wordsPerVector - 1] &= (1 << tailBits) - 1;
      const kd = kernelMemory.allocU32(Math.ceil(numValues / 32));
      const js = new Uint32Array(kd.u32().length);
      signOfSumPacked(new Uint32Array(region.u32()), numVectors, wordsPerVector, bits, numValues, js, 7);
      signOfSumPacked(region.u32(), numVectors, wordsPerVector, bits, numValues, kd.u32(), 7);
      assert.deepEqual(kd.u32(), js, `bits=${bits} n=${numValues}`);
      kernelMemory.release(region);
      kernelMemory.release(kd);
    }
  }
});

test('bad arguments are typed errors', () => {
  const stacked = new Uint32Array(8);
  const dst = new Uint32Array(1);
  assert.throws(() => signOfSumPacked(stacked, 2, 4, 3 as QuantBits, 32, dst, 0), InvalidArgumentError);
  assert.throws(() => signOfSumPacked(stacked, 0, 4, 4, 32, dst, 0), InvalidArgumentError);
  assert.throws(() => signOfSumPacked(stacked, 3, 4, 4, 32, dst, 0), /stacked.length/);
  assert.throws(() => signOfSumPacked(stacked, 2, 3, 4, 32, dst, 0), /wordsPerVector/);
  assert.throws(() => signOfSumPacked(stacked, 2, 4, 4, 32, new Uint32Array(2), 0), /dst.length/);
  assert.throws(() => signOfSumPacked(stacked, 2, 4, 4, 32, dst, -1), /step/);
  assert.throws(() => sumPacked(stacked, maxSummableVectors(8) + 1, 0, 8, 0, new Int32Array(0)), /numVectors/);
  assert.throws(() => sumPacked(stacked, 2, 4, 4, 32, new Int32Array(31)), /dst.length/);
  assert.equal(maxSummableVectors(8), 16777215);
});
