import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QuantBits } from '../../codec/index.js';
import { InvalidArgumentError } from '../../errors.js';
import { PbitAllreduce, pbitAllreduceTraffic } from './pbit-allreduce.js';
import {
  chunkBytesFor, closeAll, LENGTHS, memoryGroups, packLevels, randomLevels, referenceSignOfSum, sameWords, WORLD_SIZES,
} from './test-support/reference.js';
import { assertAllEqual, assertTrafficPredicted, runOnRanks } from './test-support/run-ranks.js';

const BITS: readonly QuantBits[] = [2, 4, 8];

test('the sign of the exact sum equals the brute-force sign on every rank, with the predicted traffic', async () => {
  for (const bits of BITS) {
    const levels = (1 << (bits - 1)) - 1;
    for (const n of WORLD_SIZES) {
      for (const d of LENGTHS) {
        const chunkBytes = chunkBytesFor(d);
        const step = bits + n + d;
        // 40 % abstentions: many sums are exactly zero and take the parity rule.
        const values = Array.from({ length: n }, (_, r) => randomLevels(d, levels, 0.4, 100 * bits + 10 * n + r + d));
        const codes = values.map((v) => packLevels(v, bits));
        const groups = memoryGroups(n, { chunkBytes });
        const what = `p=${bits} N=${n} d=${d} step=${step}`;
        const { results, collectives } = await runOnRanks(groups, (g) => new PbitAllreduce(g, d, bits), (c, r) => c.run(codes[r], step));
        assertAllEqual(results, referenceSignOfSum(values, d, step), what);
        assertTrafficPredicted(collectives, { chunkBytes }, what);
        collectives.forEach((c) => c.dispose());
        await closeAll(groups);
      }
    }
  }
});

test('sums keep every level: one rank at +7 outvotes six ranks at −1 (4-bit code, N = 7)', async () => {
  const n = 7;
  const d = 40;
  const values = Array.from({ length: n }, (_, r) => new Int32Array(d).fill(r === 0 ? 7 : -1));
  values[0][5] = 6; // 6 − 6 = 0: a zero sum, parity rule
  const groups = memoryGroups(n);
  const { results } = await runOnRanks(groups, (g) => new PbitAllreduce(g, d, 4), (c, r) => c.run(packLevels(values[r], 4), 2));
  const expected = new Uint32Array(2);
  expected[0] = 1 << 5; // value 5 at even step 2: (5 + 2) mod 2 = 1; every other sum is +1
  assertAllEqual(results, expected, 'weighted vote');
  await closeAll(groups);
});

test('traffic by hand: p = 4, N = 4, d = 4096 (128 units, 32 per slice), default chunks', () => {
  // alltoallv: 3 blocks of 32·4 = 128 words (512 bytes) and the 4-byte finiteness flag; allgatherv: 3 blocks of
  // 32 words (128 bytes); each block after a 4-byte length frame, 2 messages per block.
  const payload = 3 * (516 + 4) + 3 * (128 + 4);
  assert.deepEqual(pbitAllreduceTraffic(4, 1, 4096, 4), {
    messagesSent: 12, messagesReceived: 12, bytesSent: payload + 12 * 32, bytesReceived: payload + 12 * 32,
  });
});

test('ranks with different bit widths fail with a mismatch on every rank', async () => {
  const groups = memoryGroups(3, { timeoutMs: 10_000 });
  const bits: QuantBits[] = [2, 4, 2];
  const collectives = groups.map((g, r) => new PbitAllreduce(g, 1000, bits[r]));
  const errors = await Promise.all(collectives.map((c) => c.run(new Uint32Array(c.packedWords), 0).then(() => undefined, (e: Error) => e)));
  errors.forEach((e, r) => assert.equal((e as { code?: string } | undefined)?.code, 'mismatch', `rank ${r}: ${String(e)}`));
  await closeAll(groups);
});

test('bad bits and code lengths are refused before anything is sent', async () => {
  const [g] = memoryGroups(1);
  assert.throws(() => new PbitAllreduce(g, 10, 3 as QuantBits), InvalidArgumentError);
  const c = new PbitAllreduce(g, 33, 4);
  assert.equal(c.packedWords, 5);
  await assert.rejects(c.run(new Uint32Array(2), 0), InvalidArgumentError);
  c.dispose();
  await g.close();
});

test('runAgreeing: every rank learns whether every rank was finite, with run()\'s code', async () => {
  const d = 1000;
  for (const n of [1, 3, 4]) {
    for (const bad of [-1, 0, n - 1]) {
      const groups = memoryGroups(n, { chunkBytes: 90 });
      const levels = groups.map((_, r) => randomLevels(d, 7, 0.3, 17 * n + r));
      const agreed = await Promise.all(groups.map(async (g) => {
        const c = new PbitAllreduce(g, d, 4);
        const result = await c.runAgreeing(packLevels(levels[g.rank], 4), 5, g.rank !== bad);
        c.dispose();
        return { code: Array.from(result.code), allFinite: result.allFinite };
      }));
      agreed.forEach((a, r) => {
        assert.equal(a.allFinite, bad < 0, `N=${n} non-finite rank ${bad}, rank ${r}`);
        assert.deepEqual(a.code, Array.from(referenceSignOfSum(levels, d, 5)), `N=${n} rank ${r}`);
      });
      await closeAll(groups);
    }
  }
});

test('ties: each owner\'s tie code decides the zero sums of its slice, the same bits on every rank', async () => {
  const step = 3;
  for (const n of [1, 2, 3, 4, 5]) {
    for (const d of [31, 1000, 70_000]) {
      const values = Array.from({ length: n }, (_, r) => randomLevels(d, 7, 0.6, 31 * n + r + d));
      const parity = referenceSignOfSum(values, d, step);
      // Each owner's ties are the opposite of the parity rule: ignoring them gives back `parity`, which differs.
      const flipped = referenceSignOfSum(values, d, step + 1);
      assert.ok(!sameWords(parity, flipped), `N=${n} d=${d}: the case has zero sums`);
      const groups = memoryGroups(n, { chunkBytes: chunkBytesFor(d) });
      const { results } = await runOnRanks(groups, (g) => new PbitAllreduce(g, d, 4), (c, r) => {
        const { offset, length } = c.ownSlice;
        if (length > 0) assert.equal(offset % 32, 0, 'slices start at a whole unit');
        const ties = new Uint32Array(Math.ceil(length / 32));
        for (let j = 0; j < length; j++) ties[j >>> 5] |= ((offset + j + step + 1) & 1) << (j & 31);
        return c.run(packLevels(values[r], 4), step, { ties });
      });
      assertAllEqual(results, flipped, `N=${n} d=${d}`);
      await closeAll(groups);
    }
  }
});

test('ties of the wrong length are refused before anything is sent', async () => {
  const [g] = memoryGroups(1);
  const c = new PbitAllreduce(g, 100, 4);
  await assert.rejects(c.run(new Uint32Array(c.packedWords), 0, { ties: new Uint32Array(1) }), /ties/);
  c.dispose();
  await g.close();
});
