import { test } from 'node:test';
import { Int8Ring } from './int8-ring.js';
import { PbitAllreduce } from './pbit-allreduce.js';
import { TallyAllreduce } from './tally-allreduce.js';
import {
  closeAll, packLevels, randomLevels, randomSignCode, referenceSignOfSum, referenceTally, referenceVote, tcpGroups,
} from './test-support/reference.js';
import { assertAllEqual, assertTrafficPredicted, runOnRanks } from './test-support/run-ranks.js';
import { VoteAllgather } from './vote-allgather.js';
import { VoteAllreduce } from './vote-allreduce.js';

test('over loopback TCP every collective gives the reference result and the socket counts the predicted bytes', async () => {
  const chunkBytes = 90;
  for (const n of [3, 4]) {
    const groups = await tcpGroups(n, { chunkBytes, allreduceAlgorithm: 'ring' });
    try {
      for (const d of [1000, 33]) {
        const step = d + n;
        const what = `TCP N=${n} d=${d}`;
        const codes = Array.from({ length: n }, (_, r) => randomSignCode(d, 40 * n + r + d, step));

        const vote = await runOnRanks(groups, (g) => new VoteAllreduce(g, d), (c, r) => c.run(codes[r], step));
        assertAllEqual(vote.results, referenceVote(codes, d, step), `${what} vote allreduce`);
        assertTrafficPredicted(vote.collectives, { chunkBytes }, `${what} vote allreduce`);

        const gather = await runOnRanks(groups, (g) => new VoteAllgather(g, d), (c, r) => c.run(codes[r], step));
        assertAllEqual(gather.results, referenceVote(codes, d, step), `${what} vote allgather`);
        assertTrafficPredicted(gather.collectives, { chunkBytes }, `${what} vote allgather`);

        const tally = await runOnRanks(groups, (g) => new TallyAllreduce(g, d), (c, r) => c.run(codes[r]));
        assertAllEqual(tally.results, referenceTally(codes, d), `${what} tally`);
        assertTrafficPredicted(tally.collectives, { chunkBytes }, `${what} tally`);

        const levels = Array.from({ length: n }, (_, r) => randomLevels(d, 7, 0.4, 60 * n + r + d));
        const pbit = await runOnRanks(groups, (g) => new PbitAllreduce(g, d, 4), (c, r) => c.run(packLevels(levels[r], 4), step));
        assertAllEqual(pbit.results, referenceSignOfSum(levels, d, step), `${what} p-bit`);
        assertTrafficPredicted(pbit.collectives, { chunkBytes }, `${what} p-bit`);

        const s = Math.floor(127 / n);
        const q = Array.from({ length: n }, (_, r) => Int8Array.from(randomLevels(d, s, 0.4, 80 * n + r + d)));
        const int8 = await runOnRanks(groups, (g) => new Int8Ring(g, d), (c, r) => c.run(q[r], step));
        assertAllEqual(int8.results, referenceSignOfSum(q, d, step), `${what} int8 ring`);
        assertTrafficPredicted(int8.collectives, { chunkBytes, allreduceAlgorithm: 'ring' }, `${what} int8 ring`);

        for (const c of [...vote.collectives, ...gather.collectives, ...tally.collectives, ...pbit.collectives, ...int8.collectives]) c.dispose();
      }
    } finally {
      await closeAll(groups);
    }
  }
});
