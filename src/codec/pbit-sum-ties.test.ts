import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kernelMemory } from '../kernels/load.js';
import { seededRandom } from '../random.js';
import { packedWordCount } from './pbit-pack.js';
import { signOfSumPacked } from './pbit-sum.js';
import type { QuantBits } from './quant-options.js';
import { bruteSignCode, bruteSums, inKernel, randomRows, stack } from './test-support/pbit-rows.js';

function randomCode(numValues: number, seed: number): Uint32Array {
  const rand = seededRandom(seed);
  const code = new Uint32Array(Math.ceil(numValues / 32));
  for (let i = 0; i < code.length; i++) code[i] = (rand() * 2 ** 32) >>> 0;
  return code;
}

test('hand-worked: zero sums take the tie code\'s bit instead of the parity rule', () => {
  // sums 1, 0, 0, 0, −5 (as in the parity example); tie code bits 1, 1, 0, 0, 0 for i = 0..4 → zero sums at
  // i = 1, 2, 3 take 1, 0, 0; i = 0 stays positive (0) whatever its tie bit, i = 4 negative (1): 0b10010 = 18.
  const rows = [Int32Array.of(7, -1, 0, 2, -8), Int32Array.of(-7, 0, 0, -3, 1), Int32Array.of(1, 1, 0, 1, 2)];
  const stacked = stack(rows, 4, 1);
  const ties = Uint32Array.of(0b00011);
  const dst = new Uint32Array(1);
  for (const step of [0, 1]) {
    signOfSumPacked(stacked, 3, 1, 4, 5, dst, step, ties);
    assert.equal(dst[0], 18, `JS, step ${step}: the step no longer matters`);
  }
  const k = inKernel(stacked);
  const kt = inKernel(ties);
  const kd = kernelMemory.allocU32(1);
  signOfSumPacked(k.view(), 3, 1, 4, 5, kd.u32(), 1, kt.view());
  assert.equal(kd.u32()[0], 18, 'wasm');
  k.free();
  kt.free();
  kernelMemory.release(kd);
});

test('all-abstaining inputs give the tie code itself (JS and wasm, every bit width)', () => {
  for (const bits of [2, 4, 8] as const) {
    const numValues = 200;
    const wordsPerVector = packedWordCount(numValues, bits);
    const stacked = new Uint32Array(3 * wordsPerVector);
    const ties = randomCode(numValues, bits);
    ties[ties.length - 1] &= (1 << (numValues % 32)) - 1;
    const js = new Uint32Array(ties.length);
    signOfSumPacked(stacked, 3, wordsPerVector, bits, numValues, js, 5, ties);
    assert.deepEqual(js, ties, `JS bits=${bits}`);
    const k = inKernel(stacked);
    const kt = inKernel(ties);
    const kd = kernelMemory.allocU32(ties.length);
    signOfSumPacked(k.view(), 3, wordsPerVector, bits, numValues, kd.u32(), 5, kt.view());
    assert.deepEqual(kd.u32(), ties, `wasm bits=${bits}`);
    k.free();
    kt.free();
    kernelMemory.release(kd);
  }
});

test('property: with a tie code, sign of sum equals brute force over lengths, N, bits and steps (JS and wasm)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<QuantBits>(2, 4, 8), fc.constantFrom(1, 2, 3, 4, 5, 16, 17, 64, 70, 300), fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(),
      (bits, numVectors, numValues, step, seed, extremes) => {
        const wordsPerVector = packedWordCount(numValues, bits);
        const rows = randomRows(numVectors, numValues, bits, seed, extremes);
        const stacked = stack(rows, bits, wordsPerVector);
        const ties = randomCode(numValues, seed + 1);
        const want = bruteSignCode(bruteSums(rows, numValues), step, ties);
        const js = new Uint32Array(want.length);
        signOfSumPacked(stacked, numVectors, wordsPerVector, bits, numValues, js, step, ties);
        assert.deepEqual(js, want);
        const k = inKernel(stacked);
        const kt = inKernel(ties);
        const kd = kernelMemory.allocU32(want.length);
        try {
          signOfSumPacked(k.view(), numVectors, wordsPerVector, bits, numValues, kd.u32(), step, kt.view());
          assert.deepEqual(kd.u32(), want);
        } finally {
          k.free();
          kt.free();
          kernelMemory.release(kd);
        }
      }),
    { numRuns: 150 },
  );
});

test('a tie code of the wrong length is a typed error naming ties', () => {
  const stacked = new Uint32Array(8);
  assert.throws(() => signOfSumPacked(stacked, 2, 4, 4, 32, new Uint32Array(1), 0, new Uint32Array(2)), /ties.length/);
});
