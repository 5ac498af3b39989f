// ProcessGroup behaviour: call order and sequence numbers, timeouts, killed ranks, mismatches, validation, close, counters.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { CommError, CommTimeoutError, MismatchError, PeerClosedError } from './errors.js';
import { currentCollectives } from './activity.js';
import { ProcessGroup, type ProcessGroupOptions, type StallReport } from './process-group.js';
import { createMemoryTransports, type MemoryTransport } from './transport/memory-transport.js';
import type { Transport } from './transport/transport.js';

function groupsOf(n: number, options: ProcessGroupOptions = {}, wrap?: (t: MemoryTransport) => Transport): ProcessGroup[] {
  return createMemoryTransports(n).map((t) => new ProcessGroup(wrap ? wrap(t) : t, options));
}

const settle = <T>(p: Promise<T>): Promise<T | Error> => p.then((v) => v, (e: Error) => e);

async function closeAll(groups: ProcessGroup[]): Promise<void> {
  await Promise.all(groups.map((g) => g.close()));
}

test('with one rank every collective completes locally', async () => {
  const [g] = groupsOf(1);
  assert.deepEqual([...await g.allreduce(Float32Array.from([1.5, -2]), { op: 'mean' })], [1.5, -2]);
  assert.deepEqual([...await g.reduceScatter(Int32Array.from([4, 5]))], [4, 5]);
  assert.deepEqual([...await g.allgather(Uint8Array.from([7]))], [7]);
  assert.deepEqual([...await g.alltoall(Int16Array.from([1, 2]))], [1, 2]);
  assert.deepEqual([...await g.broadcast(Uint16Array.from([3]), 0)], [3]);
  assert.deepEqual((await g.alltoallv([Uint8Array.from([1, 2])])).map((b) => [...b]), [[1, 2]]);
  assert.deepEqual((await g.allgatherv(Uint8Array.from([9]))).map((b) => [...b]), [[9]]);
  await g.barrier();
  assert.equal(g.lastOp?.seq, 7);
  await g.close();
});

test('calls run one at a time in call order, each with the next sequence number', async () => {
  const groups = groupsOf(3, { chunkBytes: 8 });
  const order: string[] = [];
  const calls = groups.map((g, r) => [
    g.allreduce(Float32Array.from([r, 1]), { op: 'sum' }).then((v) => { order.push(`r${r} allreduce`); return [...v]; }),
    g.broadcast(Int32Array.from([r * 10]), 2).then((v) => { order.push(`r${r} broadcast`); return [...v]; }),
    g.allgather(Uint8Array.from([r])).then((v) => { order.push(`r${r} allgather`); return [...v]; }),
  ]);
  const results = await Promise.all(calls.map((c) => Promise.all(c)));
  for (const r of [0, 1, 2]) {
    assert.deepEqual(results[r], [[3, 3], [20], [0, 1, 2]]);
    const mine = order.filter((o) => o.startsWith(`r${r} `));
    assert.deepEqual(mine, [`r${r} allreduce`, `r${r} broadcast`, `r${r} allgather`]);
  }
  assert.equal(groups[0].lastOp?.op, 'allgather');
  assert.equal(groups[0].lastOp?.seq, 2);
  await closeAll(groups);
});

test('a rank that never calls: the waiting rank times out naming op, seq, itself and the peer it waits for', async () => {
  const [a, b] = groupsOf(2, { timeoutMs: 60_000 });
  await Promise.all([a.barrier(), b.barrier()]);
  const error = await settle(a.allreduce(new Float32Array(4), { timeoutMs: 30 }));
  assert.ok(error instanceof CommTimeoutError, String(error));
  assert.equal(error.op, 'allreduce');
  assert.equal(error.seq, 1);
  assert.equal(error.rank, 0);
  assert.equal(error.peer, 1);
  assert.match(error.message, /waiting for rank 1/);
  // The timed-out rank aborted its transport and told its peers why, so the late rank fails at once
  // (with the same kind of error) instead of hanging.
  const late = await settle(b.allreduce(new Float32Array(4)));
  assert.ok(late instanceof CommTimeoutError, String(late));
  assert.deepEqual([late.op, late.seq, late.rank], ['allreduce', 1, 1]);
  assert.match(late.message, /rank 0 failed and aborted the job: allreduce did not complete/);
  await closeAll([a, b]);
});

test('stall inspector: a call waiting past stallWarningMs is reported once, naming the peers it waits for, before it times out', async () => {
  const reports: StallReport[] = [];
  const groups = groupsOf(3, { timeoutMs: 60_000, stallWarningMs: 20, onStall: (r) => reports.push(r) });
  // Ranks 0 and 1 enter the allreduce; rank 2 is late by far more than the warning.
  const calls = [groups[0].allreduce(Float32Array.from([1])), groups[1].allreduce(Float32Array.from([2]))];
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(reports.length, 2, 'one report per waiting rank, not one per poll');
  for (const report of reports) {
    assert.equal(report.op, 'allreduce');
    assert.equal(report.seq, 0);
    assert.equal(report.timeoutMs, 60_000);
    // Node starts a timer from the event loop's cached clock, so it can fire up to 1 ms before performance.now() says 20 ms have passed.
    assert.ok(report.elapsedMs >= 19, String(report.elapsedMs));
    assert.ok(report.waitingFor.length > 0, 'names at least one peer');
  }
  // Recursive doubling over 3 ranks folds rank 2 into rank 1 first: rank 1 names the late rank, rank 0 waits on rank 1.
  assert.deepEqual(reports.map((r) => [r.rank, r.waitingFor]).sort(), [[0, [1]], [1, [2]]]);
  assert.deepEqual(currentCollectives().map((a) => a.rank).sort(), [0, 1], 'the running calls are visible to the heartbeat');
  calls.push(groups[2].allreduce(Float32Array.from([3])));
  assert.deepEqual((await Promise.all(calls)).map((v) => v[0]), [6, 6, 6]);
  assert.equal(reports.length, 2);
  assert.deepEqual(currentCollectives(), []);
  await closeAll(groups);
});

test('with three ranks and one absent, every caller fails with a named error, the first with a timeout', async () => {
  const groups = groupsOf(3, { allreduceAlgorithm: 'ring' });
  const [e0, e1] = await Promise.all([
    settle(groups[0].allreduce(new Float32Array(6), { timeoutMs: 30 })),
    settle(groups[1].allreduce(new Float32Array(6), { timeoutMs: 5_000 })),
  ]);
  assert.ok(e0 instanceof CommTimeoutError, String(e0));
  assert.equal(e0.peer, 2, 'rank 0 receives from rank 2 first in the ring');
  assert.ok(e1 instanceof CommError && e1.seq === 0 && e1.op === 'allreduce', String(e1));
  assert.ok(e1.code === 'peer_closed' || e1.code === 'timeout');
  await closeAll(groups);
});

test('a rank killed mid-collective: every other rank rejects naming it, and so does every later call', async () => {
  const n = 4;
  const victim = 2;
  const groups = groupsOf(n, { chunkBytes: 16, allreduceAlgorithm: 'ring' }, (t) => {
    if (t.rank !== victim) return t;
    let sends = 0;
    // Dies after its fifth frame, halfway through the reduce-scatter.
    return Object.assign(Object.create(t) as MemoryTransport, {
      send: (peer: number, tag: Parameters<Transport['send']>[1], payload: Uint8Array) => {
        if (++sends === 5) t.kill();
        return t.send(peer, tag, payload);
      },
    });
  });
  const results = await Promise.all(groups.map((g) => settle(g.allreduce(new Float32Array(1000)))));
  results.forEach((e, r) => {
    if (r === victim) return;
    assert.ok(e instanceof PeerClosedError, `rank ${r}: ${String(e)}`);
    assert.equal(e.peer, victim, `rank ${r}`);
    assert.equal(e.op, 'allreduce');
    assert.equal(e.seq, 0);
    assert.equal(e.rank, r);
  });
  const later = await settle(groups[0].broadcast(new Float32Array(3), 0));
  assert.ok(later instanceof PeerClosedError);
  assert.deepEqual([later.op, later.seq, later.peer], ['broadcast', 1, victim]);
  assert.equal(groups[0].error?.peer, victim, 'the first failure is kept');
  await closeAll(groups);
});

test('ranks calling different collectives both get a MismatchError, not a hang or garbage', async () => {
  const [a, b] = groupsOf(2, { timeoutMs: 10_000 });
  const [ea, eb] = await Promise.all([settle(a.allreduce(new Float32Array(8))), settle(b.allgather(new Float32Array(4)))]);
  for (const [e, rank] of [[ea, 0], [eb, 1]] as const) {
    assert.ok(e instanceof MismatchError, `rank ${rank}: ${String(e)}`);
    assert.equal(e.rank, rank);
    assert.equal(e.peer, 1 - rank);
  }
  assert.match(String(ea), /allgather/, 'rank 0 learns what rank 1 sent');
  assert.match(String(eb), /allreduce/);
  await closeAll([a, b]);
});

test('different lengths, element types or algorithms are caught as mismatches', async () => {
  // (A different sequence number is the same tag check: see memory-transport.test.ts.)
  const cases: [string, (g: ProcessGroup, r: number) => Promise<unknown>][] = [
    ['length', (g, r) => g.allreduce(new Float32Array(r === 0 ? 10 : 12))],
    ['dtype', (g, r) => (r === 0 ? g.allreduce(new Float32Array(4)) : g.allreduce(new Int32Array(4)))],
    ['algorithm', (g, r) => g.allreduce(new Float32Array(r === 0 ? 4 : 40_000))],
    ['allgatherv algorithm', (g, r) => g.allgatherv(new Uint8Array(8), { algorithm: r === 0 ? 'ring' : 'pairwise' })],
  ];
  for (const [what, call] of cases) {
    const groups = groupsOf(2, { timeoutMs: 10_000 });
    const errors = await Promise.all(groups.map((g, r) => settle(call(g, r))));
    for (const e of errors) assert.ok(e instanceof MismatchError, `${what}: ${String(e)}`);
    await closeAll(groups);
  }
});

test('a variable-size block of another length than the receiver expects is a MismatchError naming the sender', async () => {
  const groups = groupsOf(3, { timeoutMs: 5_000 });
  // Rank 2 sends 5-byte blocks; ranks 0 and 1 expect 4 bytes from everyone.
  const errors = await Promise.all(groups.map((g, r) => settle(g.alltoallv([0, 1, 2].map(() => new Uint8Array(r === 2 ? 5 : 4)), {
    recvByteLengths: r === 2 ? [4, 4, 5] : [4, 4, 4],
  }))));
  for (const r of [0, 1]) {
    const e = errors[r];
    assert.ok(e instanceof MismatchError, `rank ${r}: ${String(e)}`);
    assert.equal(e.peer, 2);
    assert.match(e.message, /expected a block of 4 bytes from rank 2, which sent 5/);
  }
  await closeAll(groups);
});

test('with three ranks, one calling another collective, every rank fails with a named error', async () => {
  const groups = groupsOf(3, { timeoutMs: 10_000 });
  const errors = await Promise.all(groups.map((g, r) => settle(r === 1 ? g.broadcast(new Float32Array(6), 0) : g.allreduce(new Float32Array(6)))));
  errors.forEach((e, r) => {
    assert.ok(e instanceof CommError, `rank ${r}: ${String(e)}`);
    assert.ok(e.code === 'mismatch' || e.code === 'peer_closed', `rank ${r}: ${e.code}`);
    assert.equal(e.seq, 0);
  });
  await closeAll(groups);
});

test('bad arguments are refused with InvalidArgumentError and take no sequence number', async () => {
  const groups = groupsOf(3);
  const g = groups[0];
  const refusals: [string, () => Promise<unknown>][] = [
    ['reduceScatter length', () => g.reduceScatter(new Float32Array(4))],
    ['reduceScatter output', () => g.reduceScatter(new Float32Array(6), { output: new Float32Array(3) })],
    ['alltoall length', () => g.alltoall(new Int32Array(5))],
    ['alltoall overlap', () => { const x = new Int32Array(6); return g.alltoall(x, { output: x }); }],
    ['allgather output type', () => g.allgather(new Float32Array(2), { output: new Int32Array(6) as never })],
    ['broadcast root', () => g.broadcast(new Float32Array(2), 3)],
    ['broadcast root fraction', () => g.broadcast(new Float32Array(2), 0.5)],
    ['mean of integers', () => g.allreduce(new Int32Array(3), { op: 'mean' })],
    ['unknown op', () => g.allreduce(new Float32Array(3), { op: 'min' as never })],
    ['dtype disagrees with array', () => g.allreduce(new Float32Array(3), { dtype: 'bfloat16' })],
    ['unsupported array', () => g.allreduce(new Float64Array(3) as never)],
    ['alltoallv block count', () => g.alltoallv([new Uint8Array(1)])],
    ['alltoallv partial element', () => g.alltoallv([new Uint8Array(4), new Uint8Array(3), new Uint8Array(0)], { dtype: 'uint32' })],
    ['alltoallv lengths', () => g.alltoallv([new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)], { recvByteLengths: [1, 1] })],
    ['alltoallv into without lengths', () => g.alltoallv([1, 1, 1].map((l) => new Uint8Array(l)), { into: [1, 1, 1].map((l) => new Uint8Array(l)) })],
    ['alltoallv into count', () => g.alltoallv([1, 1, 1].map((l) => new Uint8Array(l)), { recvByteLengths: [1, 1, 1], into: [new Uint8Array(1)] })],
    ['alltoallv into length', () => g.alltoallv([1, 1, 1].map((l) => new Uint8Array(l)), { recvByteLengths: [1, 1, 1], into: [1, 2, 1].map((l) => new Uint8Array(l)) })],
    ['allgatherv into type', () => g.allgatherv(new Uint8Array(2), { byteLengths: [2, 2, 2], into: [new Uint8Array(2), new Uint16Array(1), new Uint8Array(2)] as never })],
    ['allgatherv own length', () => g.allgatherv(new Uint8Array(2), { byteLengths: [1, 2, 2] })],
    ['allgatherv dtype', () => g.allgatherv(new Uint8Array(2), { dtype: 'float64' as never })],
    ['allgatherv algorithm', () => g.allgatherv(new Uint8Array(2), { algorithm: 'tree' as never })],
    ['timeout', () => g.barrier({ timeoutMs: -1 })],
  ];
  for (const [what, call] of refusals) await assert.rejects(call(), InvalidArgumentError, what);
  assert.throws(() => new ProcessGroup(createMemoryTransports(1)[0], { chunkBytes: 0 }), InvalidArgumentError);
  assert.throws(() => new ProcessGroup(createMemoryTransports(1)[0], { allreduceAlgorithm: 'tree' as never }), InvalidArgumentError);
  // Nothing was consumed: the group still agrees with its peers on sequence numbers.
  const sums = await Promise.all(groups.map((x) => x.allreduce(Int32Array.from([1]))));
  assert.deepEqual(sums.map((s) => s[0]), [3, 3, 3]);
  assert.equal(g.lastOp?.seq, 0);
  await closeAll(groups);
});

test('a time limit beyond what a timer can hold waits instead of expiring at once', async () => {
  const groups = groupsOf(2, { timeoutMs: 2 ** 40, stallWarningMs: Infinity });
  try {
    // Rank 1 joins the barrier later: a timer set above 2^31 − 1 ms would have failed rank 0 by then.
    const first = groups[0].barrier({ timeoutMs: Infinity });
    await new Promise((r) => setTimeout(r, 100));
    await Promise.all([first, groups[1].barrier()]);
  } finally {
    await closeAll(groups);
  }
});

test('close rejects the running and queued calls with code closed, then every later call', async () => {
  const [a, b] = groupsOf(2);
  const running = settle(a.allreduce(new Float32Array(4)));
  const queued = settle(a.barrier());
  await a.close();
  const [r, q] = await Promise.all([running, queued]);
  for (const e of [r, q]) assert.ok(e instanceof CommError && e.code === 'closed', String(e));
  const later = await settle(a.barrier());
  assert.ok(later instanceof CommError && later.code === 'closed' && later.op === 'barrier');
  // The peer saw the connection close.
  const peer = await settle(b.allreduce(new Float32Array(4)));
  assert.ok(peer instanceof PeerClosedError && peer.peer === 0, String(peer));
  await b.close();
});

test('per-operation counters: last call and totals per collective', async () => {
  const groups = groupsOf(2, { chunkBytes: 1024, allreduceAlgorithm: 'ring' });
  for (let i = 0; i < 2; i++) await Promise.all(groups.map((g) => g.allreduce(new Float32Array(1000))));
  await Promise.all(groups.map((g) => g.barrier()));
  const g = groups[0];
  // Ring, N = 2, S = 4000 bytes: each rank sends one 2000-byte block per phase, in two chunks (1024 + 976).
  assert.deepEqual(g.opTotals('allreduce'), {
    ...g.opTotals('allreduce'),
    calls: 2, bytesSent: 2 * (4000 + 4 * 32), bytesReceived: 2 * (4000 + 4 * 32), messagesSent: 8, messagesReceived: 8,
  });
  assert.equal(g.lastOp?.op, 'barrier');
  assert.equal(g.lastOp?.bytesSent, 32, 'one header-only message for N = 2');
  assert.equal(g.opTotals('alltoall').calls, 0);
  await closeAll(groups);
});
