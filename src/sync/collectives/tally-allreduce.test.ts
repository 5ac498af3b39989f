import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { TallyAllreduce, tallyAllreduceTraffic } from './tally-allreduce.js';
import {
  chunkBytesFor, closeAll, LENGTHS, memoryGroups, randomSignCode, referenceTally, WORLD_SIZES,
} from './test-support/reference.js';
import { assertAllEqual, assertTrafficPredicted, runOnRanks } from './test-support/run-ranks.js';

test('tallies equal the brute-force count on every rank, in int8, with the predicted traffic', async () => {
  for (const n of WORLD_SIZES) {
    for (const d of LENGTHS) {
      const chunkBytes = chunkBytesFor(d);
      const codes = Array.from({ length: n }, (_, r) => randomSignCode(d, 77 * n + r + d, n));
      const groups = memoryGroups(n, { chunkBytes });
      const what = `N=${n} d=${d}`;
      const { results, collectives } = await runOnRanks(groups, (g) => new TallyAllreduce(g, d), async (c, r) => {
        const out = await c.run(codes[r]);
        assert.ok(out instanceof Int8Array, what);
        return out;
      });
      assertAllEqual(results, referenceTally(codes, d), what);
      assertTrafficPredicted(collectives, { chunkBytes }, what);
      collectives.forEach((c) => c.dispose());
      await closeAll(groups);
    }
  }
});

test('above 127 ranks tallies travel as int16 (N = 128, d = 300: most slices are empty)', async () => {
  const n = 128;
  const d = 300;
  const codes = Array.from({ length: n }, (_, r) => randomSignCode(d, 9000 + r, 0));
  // Every rank votes +1 for value 0: t = 128, outside int8.
  for (const c of codes) c[0] &= ~1;
  const groups = memoryGroups(n, { chunkBytes: 90 });
  const { results, collectives } = await runOnRanks(groups, (g) => new TallyAllreduce(g, d), async (c, r) => {
    const out = await c.run(codes[r]);
    assert.ok(out instanceof Int16Array);
    return out;
  });
  const expected = referenceTally(codes, d);
  assert.equal(expected[0], 128);
  assertAllEqual(results, expected, 'N=128');
  assertTrafficPredicted(collectives, { chunkBytes: 90 }, 'N=128');
  await closeAll(groups);
});

test('traffic by hand: N = 2, d = 64 (one word and 32 int8 tallies per slice)', () => {
  // alltoallv: one 4-byte word after its length frame; allgatherv: 32 tally bytes after their length frame.
  assert.deepEqual(tallyAllreduceTraffic(2, 1, 64), {
    messagesSent: 4, messagesReceived: 4, bytesSent: (4 + 4) + (32 + 4) + 4 * 32, bytesReceived: (4 + 4) + (32 + 4) + 4 * 32,
  });
});

test('ranks whose d differs by one value fail with a mismatch on every rank; a wrong output type is refused', async () => {
  const groups = memoryGroups(2, { timeoutMs: 10_000 });
  const collectives = [new TallyAllreduce(groups[0], 40), new TallyAllreduce(groups[1], 41)];
  await assert.rejects(collectives[0].run(new Uint32Array(2), { output: new Int16Array(40) }), InvalidArgumentError);
  const errors = await Promise.all(collectives.map((c) => c.run(new Uint32Array(2)).then(() => undefined, (e: Error) => e)));
  errors.forEach((e, r) => assert.equal((e as { code?: string } | undefined)?.code, 'mismatch', `rank ${r}: ${String(e)}`));
  await closeAll(groups);
});
