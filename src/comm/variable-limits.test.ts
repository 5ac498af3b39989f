// allgatherv and alltoallv without expected lengths: a peer cannot announce more than the caller's maxByteLength.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CommError } from './errors.js';
import { ProcessGroup } from './process-group.js';
import { createMemoryTransports } from './transport/memory-transport.js';

function groups(n: number): ProcessGroup[] {
  return createMemoryTransports(n).map((t) => new ProcessGroup(t, { timeoutMs: 10_000 }));
}

it('allgatherv refuses a block over maxByteLength before allocating it, naming the sender', async () => {
  for (const algorithm of ['ring', 'pairwise'] as const) {
    const gs = groups(2);
    const results = await Promise.allSettled(gs.map((g) => g.allgatherv(new Uint8Array(g.rank === 1 ? 5000 : 10), { maxByteLength: 1000, algorithm })));
    const error = (results[0] as PromiseRejectedResult).reason as CommError;
    assert.equal(error.code, 'protocol', String(error));
    assert.match(error.message, /rank 1 announced a block of 5000 bytes, over this call's maxByteLength of 1000/);
    await Promise.all(gs.map((g) => g.close()));
  }
});

it('alltoallv refuses a block over maxByteLength; within it, and with expected lengths, blocks pass', async () => {
  const gs = groups(2);
  const big = await Promise.allSettled(gs.map((g) => g.alltoallv([new Uint8Array(2000), new Uint8Array(2000)], { maxByteLength: 1999 })));
  assert.ok(big.every((r) => r.status === 'rejected'));
  await Promise.all(gs.map((g) => g.close()));
  const ok = groups(2);
  const out = await Promise.all(ok.map((g) => g.alltoallv([new Uint8Array(2000), new Uint8Array(2000)], { maxByteLength: 2000 })));
  assert.deepEqual(out.map((blocks) => blocks.map((b) => b.byteLength)), [[2000, 2000], [2000, 2000]]);
  const exact = await Promise.all(ok.map((g) => g.allgatherv(new Uint8Array(3000), { byteLengths: [3000, 3000], maxByteLength: 10 })));
  assert.equal(exact[0][1].byteLength, 3000, 'known lengths are not held to maxByteLength');
  await Promise.all(ok.map((g) => g.close()));
});
