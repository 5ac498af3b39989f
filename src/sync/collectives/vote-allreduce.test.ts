import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { kernelMemory } from '../../kernels/load.js';
import { CollectiveStateError } from './compressed-collective.js';
import {
  chunkBytesFor, closeAll, LENGTHS, memoryGroups, randomSignCode, referenceVote, WORLD_SIZES,
} from './test-support/reference.js';
import { assertAllEqual, assertTrafficPredicted, runOnRanks } from './test-support/run-ranks.js';
import { VoteAllreduce, voteAllreduceTraffic } from './vote-allreduce.js';

const settle = <T>(p: Promise<T>): Promise<T | Error> => p.then((v) => v, (e: Error) => e);

test('the majority vote equals the brute-force vote on every rank, with the predicted traffic', async () => {
  for (const n of WORLD_SIZES) {
    for (const d of LENGTHS) {
      const chunkBytes = chunkBytesFor(d);
      const groups = memoryGroups(n, { chunkBytes });
      const collectives = groups.map((g) => new VoteAllreduce(g, d));
      // Two steps of opposite parity on the same instances: ties flip, and buffers are reused.
      for (const step of [n + d, n + d + 1]) {
        const codes = groups.map((_, r) => randomSignCode(d, 1000 * n + 10 * r + step, step));
        const what = `N=${n} d=${d} step=${step}`;
        const { results } = await runOnRanks(groups, (g) => collectives[g.rank], (c, r) => c.run(codes[r], step));
        assertAllEqual(results, referenceVote(codes, d, step), what);
        assertTrafficPredicted(collectives, { chunkBytes }, what);
        for (const c of collectives) assert.equal(c.lastTraffic?.phases.length, n === 1 ? 0 : 2, what);
      }
      collectives.forEach((c) => c.dispose());
      await closeAll(groups);
    }
  }
});

test('traffic by hand: N = 8, d = 2560 (W = 80 words, 10 per slice), one chunk per slice', () => {
  // alltoallv sends 7 blocks of 40 bytes and the 4-byte finiteness flag, allgatherv 7 blocks of 40 bytes, each
  // after a 4-byte length frame: 7 · (44 + 4) + 7 · (40 + 4) payload bytes and 2 · 7 · 2 messages of 32 header bytes.
  const t = voteAllreduceTraffic(8, 3, 2560);
  const bytes = 7 * 48 + 7 * 44 + 28 * 32;
  assert.deepEqual(t, { messagesSent: 28, messagesReceived: 28, bytesSent: bytes, bytesReceived: bytes });
  assert.deepEqual(voteAllreduceTraffic(1, 0, 2560), { messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0 });
});

test('one rank: the vote of one code is that code, and nothing is sent', async () => {
  const [g] = memoryGroups(1);
  const c = new VoteAllreduce(g, 40);
  const code = Uint32Array.from([0xdeadbeef, 0xa5]);
  assert.deepEqual(Array.from(await c.run(code, 3)), [0xdeadbeef, 0xa5]);
  assert.equal(g.lastOp, undefined);
  assert.equal(c.lastTraffic?.bytesSent, 0);
  c.dispose();
  await g.close();
});

test('the result goes into a caller buffer, which may be the input itself', async () => {
  const groups = memoryGroups(3, { chunkBytes: 8 });
  const d = 100;
  const codes = groups.map((_, r) => randomSignCode(d, 7 + r, 4));
  const expected = referenceVote(codes, d, 4);
  const inputs = codes.map((c) => c.slice());
  const { results } = await runOnRanks(groups, (g) => new VoteAllreduce(g, d), (c, r) => c.run(inputs[r], 4, { output: inputs[r] }));
  assertAllEqual(results, expected, 'in place');
  inputs.forEach((buf, r) => assert.deepEqual(Array.from(buf), Array.from(expected), `rank ${r} buffer`));
  await closeAll(groups);
});

test('ranks with different code lengths fail with a mismatch on every rank instead of hanging', async () => {
  const groups = memoryGroups(3, { timeoutMs: 10_000 });
  const lengths = [1000, 1000, 1000 + 3 * 32];
  const collectives = groups.map((g, r) => new VoteAllreduce(g, lengths[r]));
  const errors = await Promise.all(collectives.map((c) => settle(c.run(new Uint32Array(c.words), 0))));
  for (const [r, e] of errors.entries()) {
    assert.ok(e instanceof Error && (e as { code?: string }).code === 'mismatch', `rank ${r}: ${String(e)}`);
  }
  await closeAll(groups);
});

test('arguments are checked before anything is sent; a second run while one is in flight is refused', async () => {
  const groups = memoryGroups(2);
  const [a, b] = groups.map((g) => new VoteAllreduce(g, 64));
  await assert.rejects(a.run(new Uint32Array(3), 0), InvalidArgumentError);
  await assert.rejects(a.run(new Uint32Array(2), -1), InvalidArgumentError);
  await assert.rejects(a.run(new Uint32Array(2), 0, { output: new Uint32Array(1) }), InvalidArgumentError);
  await assert.rejects(a.run(new Int32Array(2) as unknown as Uint32Array, 0), InvalidArgumentError);
  assert.equal(groups[0].lastOp, undefined);
  const first = a.run(new Uint32Array(2), 0);
  await assert.rejects(a.run(new Uint32Array(2), 0), (e: unknown) => e instanceof CollectiveStateError && e.code === 'collective_busy');
  await Promise.all([first, b.run(Uint32Array.from([1, 2]), 0)]);
  a.dispose();
  await assert.rejects(a.run(new Uint32Array(2), 0), (e: unknown) => e instanceof CollectiveStateError && e.code === 'collective_disposed');
  b.dispose();
  await closeAll(groups);
});

test('kernel memory growing while runs are in flight does not disturb them; dispose returns every buffer', async () => {
  const n = 4;
  const d = 5000;
  const groups = memoryGroups(n, { chunkBytes: 256 });
  const inUse = kernelMemory.bytesInUse; // the groups' own receive slots stay until they close
  const collectives = groups.map((g) => new VoteAllreduce(g, d));
  // Inputs in kernel memory, as the fused Lion encoder leaves them.
  const inputs = groups.map((_, r) => {
    const region = kernelMemory.allocU32(Math.ceil(d / 32));
    region.u32().set(randomSignCode(d, 300 + r, 6));
    return region;
  });
  const expected = referenceVote(inputs.map((reg) => reg.u32().slice()), d, 6);
  const runs = collectives.map((c, r) => c.run(inputs[r].u32(), 6));
  // Each run has copied its input and is waiting for the alltoallv: grow the memory under it.
  const before = kernelMemory.memory.buffer;
  const big = kernelMemory.alloc(before.byteLength * 2);
  assert.notEqual(kernelMemory.memory.buffer, before);
  const results = await Promise.all(runs);
  results.forEach((res, r) => {
    assert.ok(kernelMemory.contains(res), `rank ${r}: the default output lives in kernel memory`);
    assert.deepEqual(Array.from(res), Array.from(expected), `rank ${r}`);
  });
  kernelMemory.release(big);
  inputs.forEach((reg) => kernelMemory.release(reg));
  collectives.forEach((c) => c.dispose());
  assert.equal(kernelMemory.bytesInUse, inUse);
  await closeAll(groups);
});

test('dispose during a run: the run makes all its group calls, then rejects; buffers are released after it', async () => {
  const groups = memoryGroups(2);
  const inUse = kernelMemory.bytesInUse; // the groups' own receive slots stay until they close
  const collectives = groups.map((g) => new VoteAllreduce(g, 3000));
  const runs = collectives.map((c) => c.run(new Uint32Array(c.words), 0).then(() => undefined, (e: Error) => e));
  collectives[0].dispose();
  const [first, second] = await Promise.all(runs);
  assert.ok(first instanceof CollectiveStateError && first.code === 'collective_disposed', String(first));
  assert.equal(second, undefined);
  collectives[1].dispose();
  assert.equal(kernelMemory.bytesInUse, inUse);
  await closeAll(groups);
});

test('runAgreeing: every rank learns whether every rank was finite, with run()\'s code and traffic', async () => {
  const d = 1000;
  for (const n of [1, 2, 4, 5]) {
    for (const bad of [-1, 0, n - 1]) {
      const groups = memoryGroups(n, { chunkBytes: 90 });
      const codes = groups.map((_, r) => randomSignCode(d, 31 * n + r, 3));
      const agreed = await Promise.all(groups.map(async (g) => {
        const c = new VoteAllreduce(g, d);
        const result = await c.runAgreeing(codes[g.rank], 3, g.rank !== bad);
        const traffic = c.lastTraffic;
        c.dispose();
        return { code: Array.from(result.code), allFinite: result.allFinite, bytesSent: traffic?.bytesSent };
      }));
      const what = `N=${n} non-finite rank ${bad}`;
      agreed.forEach((a, r) => {
        assert.equal(a.allFinite, bad < 0, `${what} rank ${r}`);
        assert.deepEqual(a.code, Array.from(referenceVote(codes, d, 3)), `${what} rank ${r}`);
        assert.equal(a.bytesSent, voteAllreduceTraffic(n, r, d, { chunkBytes: 90 }).bytesSent, `${what} rank ${r}`);
      });
      await closeAll(groups);
    }
  }
});
