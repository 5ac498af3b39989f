// Measured bytes on the wire equal the formulas and the worked example of docs/algorithms.md.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessGroup, type ProcessGroupOptions } from '../process-group.js';
import { createMemoryTransports } from '../transport/memory-transport.js';
import { predictTraffic, wireBytes } from './wire-bytes.js';

// The worked example of docs/algorithms.md: N = 4, 1200 float32 (S = 4800 bytes), c = 1024, H = 32.
// One block is 1200 bytes, carried as 2 messages (1024 + 176).
const N = 4;
const COUNT = 1200;
const S = 4 * COUNT;
const C = 1024;
const H = 32;

async function measure(options: ProcessGroupOptions, call: (g: ProcessGroup, r: number) => Promise<unknown>, n = N) {
  const groups = createMemoryTransports(n, { headerBytes: H }).map((t) => new ProcessGroup(t, { chunkBytes: C, ...options }));
  await Promise.all(groups.map(call));
  const stats = groups.map((g) => g.lastOp);
  await Promise.all(groups.map((g) => g.close()));
  return stats.map((s) => ({ sent: s?.bytesSent, received: s?.bytesReceived }));
}

const same = (bytes: number, n = N) => Array.from({ length: n }, () => ({ sent: bytes, received: bytes }));

test('ring allreduce sends 2(N−1)/N·S plus a header per chunk: 7200 + 12·32 = 7584 bytes per rank', async () => {
  assert.equal(2 * (N - 1) / N * S + 2 * (N - 1) * Math.ceil(S / N / C) * H, 7584);
  assert.deepEqual(await measure({ allreduceAlgorithm: 'ring' }, (g) => g.allreduce(new Float32Array(COUNT))), same(7584));
});

test('reduce-scatter, allgather and alltoall send (N−1)/N·S: 3600 + 6·32 = 3792 bytes per rank', async () => {
  assert.equal((N - 1) / N * S + (N - 1) * Math.ceil(S / N / C) * H, 3792);
  assert.deepEqual(await measure({}, (g) => g.reduceScatter(new Float32Array(COUNT))), same(3792));
  assert.deepEqual(await measure({}, (g) => g.allgather(new Float32Array(COUNT / N))), same(3792));
  assert.deepEqual(await measure({}, (g) => g.alltoall(new Float32Array(COUNT))), same(3792));
});

test('chain broadcast: S + ⌈S/c⌉ headers = 4960 bytes sent by every rank but the last', async () => {
  assert.deepEqual(await measure({ broadcastAlgorithm: 'chain' }, (g) => g.broadcast(new Float32Array(COUNT), 1)), [
    { sent: 0, received: 4960 }, // rank 0 is last in the chain 1 → 2 → 3 → 0
    { sent: 4960, received: 0 },
    { sent: 4960, received: 4960 },
    { sent: 4960, received: 4960 },
  ]);
});

test('binomial broadcast from 0 with N = 4: the root has 2 children, rank 2 one, ranks 1 and 3 none', async () => {
  assert.deepEqual(await measure({ broadcastAlgorithm: 'binomial' }, (g) => g.broadcast(new Float32Array(COUNT), 0)), [
    { sent: 2 * 4960, received: 0 },
    { sent: 0, received: 4960 },
    { sent: 4960, received: 4960 },
    { sent: 0, received: 4960 },
  ]);
});

test('recursive doubling: log2 N rounds of S; with N = 3 the folded pair pays one extra S each way', async () => {
  assert.deepEqual(await measure({ allreduceAlgorithm: 'recursive-doubling' }, (g) => g.allreduce(new Float32Array(COUNT))), same(2 * 4960));
  assert.deepEqual(await measure({ allreduceAlgorithm: 'recursive-doubling' }, (g) => g.allreduce(new Float32Array(COUNT)), 3), [
    { sent: 4960, received: 4960 },
    { sent: 2 * 4960, received: 2 * 4960 },
    { sent: 4960, received: 4960 },
  ]);
});

test('barrier with N = 5: ⌈log2 5⌉ = 3 header-only messages each way', async () => {
  assert.deepEqual(await measure({}, (g) => g.barrier(), 5), same(3 * H, 5));
});

test('variable-size forms: a 4-byte length frame per block, then its chunks', async () => {
  // alltoallv, N = 3: rank r sends 100·(p+1) bytes to p ≠ r (its 7-byte block to itself never leaves it).
  const lengthTo = (r: number, p: number) => (r === p ? 7 : 100 * (p + 1));
  const a2av = await measure({}, (g, r) => g.alltoallv([0, 1, 2].map((p) => new Uint8Array(lengthTo(r, p)))), 3);
  // Rank 0 sends 200 and 300 bytes: (4 + 200) + (4 + 300) payload in 4 messages → 508 + 128 = 636.
  assert.deepEqual(a2av[0], { sent: 636, received: (4 + 100) + (4 + 100) + 4 * H });
  // allgatherv, N = 3, blocks of 10, 2000 and 0 bytes. Rank 0 forwards blocks 0 and 2 (not block 1 = r+1):
  // (4 + 10) + (4 + 0) payload in 1 + 1 + 1 messages = 18 + 96 = 114. Rank 1 forwards blocks 0 and 1:
  // (4 + 10) + (4 + 2000) in (1 + 1) + (1 + 2) messages = 2018 + 160 = 2178.
  const lengths = [10, 2000, 0];
  const agv = await measure({}, (g, r) => g.allgatherv(new Uint8Array(lengths[r])), 3);
  assert.deepEqual(agv.map((s) => s.sent), [114, 2178, 4 + 2000 + 4 + 0 + 4 * H]);
  // Pairwise: every rank sends its own block to both peers. Rank 1: 2 × ((4 + 2000) in 1 + 2 messages) = 4008 + 192.
  const pairwise = await measure({}, (g, r) => g.allgatherv(new Uint8Array(lengths[r]), { algorithm: 'pairwise' }), 3);
  assert.deepEqual(pairwise.map((s) => s.sent), [2 * (14 + 2 * H), 2 * (2004 + 3 * H), 2 * (4 + H)]);
  assert.deepEqual(pairwise.map((s) => s.received), [2004 + 3 * H + 4 + H, 14 + 2 * H + 4 + H, 14 + 2 * H + 2004 + 3 * H]);
});

test('the prediction module agrees with the worked example', () => {
  const spec = { worldSize: N, chunkBytes: C, elementBytes: 4, count: COUNT };
  for (let rank = 0; rank < N; rank++) {
    assert.equal(wireBytes(predictTraffic({ algorithm: 'allreduce-ring', rank, ...spec }), H).bytesSent, 7584);
    assert.equal(wireBytes(predictTraffic({ algorithm: 'reduce-scatter-ring', rank, ...spec }), H).bytesSent, 3792);
    assert.equal(wireBytes(predictTraffic({ algorithm: 'allreduce-recursive-doubling', rank, ...spec }), H).bytesSent, 9920);
  }
  // Uneven split: 10 elements over 4 ranks = blocks of 3, 3, 2, 2 elements. Rank 0 sends every block but
  // 0 in the reduce-scatter (7 elements) and every block but 1 in the allgather (7): 56 bytes.
  const uneven = predictTraffic({ algorithm: 'allreduce-ring', worldSize: 4, rank: 0, chunkBytes: 1 << 20, elementBytes: 4, count: 10 });
  assert.deepEqual(uneven, { messagesSent: 6, messagesReceived: 6, payloadBytesSent: 56, payloadBytesReceived: 8 * 4 + 7 * 4 });
});
