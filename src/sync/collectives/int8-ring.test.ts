import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { Int8Ring, int8RingTraffic } from './int8-ring.js';
import {
  chunkBytesFor, closeAll, LENGTHS, memoryGroups, randomLevels, referenceSignOfSum, WORLD_SIZES,
} from './test-support/reference.js';
import { assertAllEqual, assertTrafficPredicted, runOnRanks } from './test-support/run-ranks.js';

test('the sign of the int8 sum equals the brute-force sign on every rank, ring and size-based choice alike', async () => {
  for (const allreduceAlgorithm of ['auto', 'ring'] as const) {
    for (const n of WORLD_SIZES) {
      for (const d of LENGTHS) {
        const chunkBytes = chunkBytesFor(d);
        const step = n + d;
        const s = Math.floor(127 / n);
        const values = Array.from({ length: n }, (_, r) => Int8Array.from(randomLevels(d, s, 0.4, 31 * n + r + d)));
        const groups = memoryGroups(n, { chunkBytes, allreduceAlgorithm });
        const what = `${allreduceAlgorithm} N=${n} d=${d}`;
        const { results, collectives } = await runOnRanks(groups, (g) => new Int8Ring(g, d), (c, r) => c.run(values[r], step));
        assertAllEqual(results, referenceSignOfSum(values, d, step), what);
        assertTrafficPredicted(collectives, { chunkBytes, allreduceAlgorithm }, what);
        collectives.forEach((c) => c.dispose());
        await closeAll(groups);
      }
    }
  }
});

test('every rank at +s or −s: the sum reaches ±N·s ≤ 127 without wrapping (N = 5, s = 25)', async () => {
  const n = 5;
  const values = Array.from({ length: n }, (_, r) => Int8Array.from([25, -25, r < 3 ? 25 : -25, 0]));
  const groups = memoryGroups(n);
  const { results, collectives } = await runOnRanks(groups, (g) => new Int8Ring(g, 4), (c, r) => c.run(values[r], 1));
  assert.equal(collectives[0].levels, 25);
  // sums 125, −125, 25, 0; the zero sum at odd step 1: (3 + 1) mod 2 = 0.
  assertAllEqual(results, [0b0010], 'extreme levels');
  await closeAll(groups);
});

test('traffic by hand: forced ring, N = 4, d = 400 (blocks of 100 bytes), default chunks', () => {
  // Reduce-scatter sends 3 blocks, the allgather 3 more: 6 messages, 600 payload bytes.
  assert.deepEqual(int8RingTraffic(4, 2, 400, { allreduceAlgorithm: 'ring' }), {
    messagesSent: 6, messagesReceived: 6, bytesSent: 600 + 6 * 32, bytesReceived: 600 + 6 * 32,
  });
});

test('values beyond ⌊127/N⌋ and groups above 127 ranks are refused before anything is sent', async () => {
  const groups = memoryGroups(2);
  const c = new Int8Ring(groups[0], 3);
  await assert.rejects(c.run(Int8Array.from([0, 64, 0]), 0), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'q[1]');
  await assert.rejects(c.run(Int8Array.from([-64, 0, 0]), 0), InvalidArgumentError);
  await assert.rejects(c.run(new Int8Array(4), 0), InvalidArgumentError);
  assert.equal(groups[0].lastOp, undefined);
  c.dispose();
  await closeAll(groups);
  const big = memoryGroups(128);
  assert.throws(() => new Int8Ring(big[0], 10), (e: unknown) => e instanceof InvalidArgumentError && /PbitAllreduce/.test(e.message));
  await closeAll(big);
});
