import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import {
  chunkBytesFor, closeAll, LENGTHS, memoryGroups, randomSignCode, referenceVote, WORLD_SIZES,
} from './test-support/reference.js';
import { assertAllEqual, assertTrafficPredicted, runOnRanks } from './test-support/run-ranks.js';
import { VoteAllgather, voteAllgatherTraffic } from './vote-allgather.js';
import { voteAllreduceTraffic } from './vote-allreduce.js';

test('the allgather vote equals the brute-force vote on every rank, with the predicted traffic', async () => {
  for (const n of WORLD_SIZES) {
    for (const d of LENGTHS) {
      const chunkBytes = chunkBytesFor(d);
      const step = 3 * n + d;
      const codes = Array.from({ length: n }, (_, r) => randomSignCode(d, 500 * n + r + d, step));
      const groups = memoryGroups(n, { chunkBytes });
      const what = `N=${n} d=${d} step=${step}`;
      const { results, collectives } = await runOnRanks(groups, (g) => new VoteAllgather(g, d), (c, r) => c.run(codes[r], step));
      assertAllEqual(results, referenceVote(codes, d, step), what);
      assertTrafficPredicted(collectives, { chunkBytes }, what);
      collectives.forEach((c) => c.dispose());
      await closeAll(groups);
    }
  }
});

test('traffic by hand: N = 8, d = 2560 (W = 80 words): 7 blocks of 320 bytes; the 1-bit allreduce sends less from N = 3', () => {
  const payload = 7 * (320 + 4);
  assert.deepEqual(voteAllgatherTraffic(8, 0, 2560), { messagesSent: 14, messagesReceived: 14, bytesSent: payload + 14 * 32, bytesReceived: payload + 14 * 32 });
  // Payload grows as (N−1)·d/8 here and stays below 2·d/8 for the 1-bit allreduce.
  const d = 32 * 8 * 1024;
  for (const n of [2, 3, 8]) {
    const gather = voteAllgatherTraffic(n, 0, d).bytesSent;
    const reduce = voteAllreduceTraffic(n, 0, d).bytesSent;
    assert.ok(n === 2 ? gather < reduce : gather > reduce, `N=${n}: allgather ${gather} vs allreduce ${reduce}`);
  }
});

test('wrong code lengths are refused before anything is sent', async () => {
  const [g] = memoryGroups(1);
  const c = new VoteAllgather(g, 33);
  await assert.rejects(c.run(new Uint32Array(1), 0), InvalidArgumentError);
  assert.deepEqual(Array.from(await c.run(Uint32Array.from([5, 1]), 0)), [5, 1]);
  assert.equal(g.lastOp, undefined);
  c.dispose();
  await g.close();
});
