import { test } from 'node:test';
import { setWasmKernelsEnabled } from '../../kernels/load.js';
import { Int8Ring } from './int8-ring.js';
import { PbitAllreduce } from './pbit-allreduce.js';
import { TallyAllreduce } from './tally-allreduce.js';
import {
  closeAll, memoryGroups, packLevels, randomLevels, randomSignCode, referenceSignOfSum, referenceTally, referenceVote,
} from './test-support/reference.js';
import { assertAllEqual, runOnRanks } from './test-support/run-ranks.js';
import { VoteAllgather } from './vote-allgather.js';
import { VoteAllreduce } from './vote-allreduce.js';

test('with the wasm kernels turned off (plain-JS references) every collective gives the same results', async () => {
  setWasmKernelsEnabled(false);
  const n = 4;
  const d = 1001;
  const step = 5;
  const groups = memoryGroups(n, { chunkBytes: 90 });
  try {
    const codes = Array.from({ length: n }, (_, r) => randomSignCode(d, 20 + r, step));
    const levels = Array.from({ length: n }, (_, r) => randomLevels(d, 1, 0.4, 40 + r));
    const vote = referenceVote(codes, d, step);
    assertAllEqual((await runOnRanks(groups, (g) => new VoteAllreduce(g, d), (c, r) => c.run(codes[r], step))).results, vote, 'vote allreduce');
    assertAllEqual((await runOnRanks(groups, (g) => new VoteAllgather(g, d), (c, r) => c.run(codes[r], step))).results, vote, 'vote allgather');
    assertAllEqual((await runOnRanks(groups, (g) => new TallyAllreduce(g, d), (c, r) => c.run(codes[r]))).results, referenceTally(codes, d), 'tally');
    const sign = referenceSignOfSum(levels, d, step);
    assertAllEqual((await runOnRanks(groups, (g) => new PbitAllreduce(g, d, 2), (c, r) => c.run(packLevels(levels[r], 2), step))).results, sign, 'p-bit');
    assertAllEqual((await runOnRanks(groups, (g) => new Int8Ring(g, d), (c, r) => c.run(Int8Array.from(levels[r]), step))).results, sign, 'int8');
  } finally {
    setWasmKernelsEnabled(true);
    await closeAll(groups);
  }
});
