// The model's byte and message counts are the traffic functions' own, for every collective and strategy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CHUNK_BYTES } from '../comm/collectives/context.js';
import { predictTraffic, wireBytes } from '../comm/collectives/wire-bytes.js';
import { int8RingTraffic } from '../sync/collectives/int8-ring.js';
import { pbitAllreduceTraffic } from '../sync/collectives/pbit-allreduce.js';
import { tallyAllreduceTraffic } from '../sync/collectives/tally-allreduce.js';
import { voteAllgatherTraffic } from '../sync/collectives/vote-allgather.js';
import { voteAllreduceTraffic } from '../sync/collectives/vote-allreduce.js';
import type { WireTraffic } from '../sync/collectives/traffic.js';
import { finiteAgreementBytesSent } from '../sync/finite-agreement.js';
import { int8RingPhases, pbitAllreducePhases, tallyAllreducePhases, voteAllgatherPhases, voteAllreducePhases } from './compressed-phases.js';
import { allgatherPhase, allreducePhase, alltoallPhase, broadcastPhase, reduceScatterPhase } from './plain-phases.js';
import { phaseBytes, type CommPhase, type Phase } from './phases.js';
import { parseModelStrategy, stepSchedule } from './strategy-schedule.js';

const WORLDS = [1, 2, 3, 4, 5, 8, 64];
const COUNTS = [1, 31, 33, 1000, 100_003, 1 << 20];
const SMALL_CHUNKS = { chunkBytes: 1024 };

function commOf(phases: readonly Phase[]): WireTraffic {
  const t = { messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0 };
  for (const p of phases) {
    if (p.type !== 'comm') continue;
    t.bytesSent += p.bytesSent;
    t.bytesReceived += p.bytesReceived;
  }
  return t;
}

function sameBytes(phases: readonly Phase[], expected: WireTraffic, what: string): void {
  const got = commOf(phases);
  assert.equal(got.bytesSent, expected.bytesSent, `${what}: bytes sent`);
  assert.equal(got.bytesReceived, expected.bytesReceived, `${what}: bytes received`);
}

test('compressed collectives: rank 0 bytes equal the traffic functions (default and small chunks)', () => {
  for (const settings of [{}, SMALL_CHUNKS]) {
    for (const n of WORLDS) {
      for (const d of COUNTS) {
        const what = `N=${n} d=${d} ${JSON.stringify(settings)}`;
        sameBytes(voteAllreducePhases(n, d, settings), voteAllreduceTraffic(n, 0, d, settings), `vote ${what}`);
        sameBytes(voteAllgatherPhases(n, d, settings), voteAllgatherTraffic(n, 0, d, settings), `allgather vote ${what}`);
        sameBytes(tallyAllreducePhases(n, d, settings), tallyAllreduceTraffic(n, 0, d, settings), `tally ${what}`);
        for (const bits of [2, 4, 8] as const) sameBytes(pbitAllreducePhases(n, d, bits, settings), pbitAllreduceTraffic(n, 0, d, bits, settings), `pbit ${bits} ${what}`);
        if (n <= 127) sameBytes(int8RingPhases(n, d, settings), int8RingTraffic(n, 0, d, settings), `int8 ${what}`);
      }
    }
  }
});

test('plain collectives: bytes and messages equal predictTraffic with 32-byte headers', () => {
  for (const n of WORLDS) {
    for (const count of COUNTS) {
      const check = (phase: CommPhase, algorithm: string, elements: number, elementBytes: number): void => {
        const t = predictTraffic({ algorithm, worldSize: n, rank: 0, count: elements, elementBytes, chunkBytes: 1024, root: 0 } as never);
        const w = wireBytes(t, 32);
        assert.equal(phase.bytesSent, w.bytesSent, `${phase.label} N=${n} count=${count}`);
        assert.equal(phase.bytesReceived, w.bytesReceived, `${phase.label} N=${n} count=${count}`);
      };
      check(allreducePhase(count, 'float32', n, SMALL_CHUNKS, 'ring'), 'allreduce-ring', count, 4);
      check(allreducePhase(count, 'bfloat16', n, SMALL_CHUNKS, 'recursive-doubling'), 'allreduce-recursive-doubling', count, 2);
      check(reduceScatterPhase(n * count, 'int8', n, SMALL_CHUNKS), 'reduce-scatter-ring', n * count, 1);
      check(allgatherPhase(n * count, 'float32', n, SMALL_CHUNKS), 'allgather-ring', n * count, 4);
      check(alltoallPhase(n * count, 'float32', n, SMALL_CHUNKS), 'alltoall-pairwise', n * count, 4);
      check(broadcastPhase(count, 'float32', n, { ...SMALL_CHUNKS, smallMessageBytes: 0 }), 'broadcast-chain', count, 4);
      check(broadcastPhase(count, 'float32', n, { ...SMALL_CHUNKS, smallMessageBytes: 1 << 30 }), 'broadcast-binomial', count, 4);
    }
  }
});

test('the ring has 2(N−1) sequential rounds, recursive doubling log2 P (+2 folding), pairwise exchanges one, ring allgatherv N−1', () => {
  assert.equal(allreducePhase(1 << 20, 'float32', 8).rounds, 14);
  assert.equal(allreducePhase(16, 'float32', 8).rounds, 3);
  assert.equal(allreducePhase(16, 'float32', 6).rounds, 4);
  const vote = voteAllreducePhases(8, 1 << 20).filter((p): p is CommPhase => p.type === 'comm');
  assert.deepEqual(vote.map((p) => [p.label, p.rounds]), [['alltoallv', 1], ['allgatherv', 1]]);
  const allgather = voteAllgatherPhases(8, 1 << 20).filter((p): p is CommPhase => p.type === 'comm');
  assert.deepEqual(allgather.map((p) => [p.label, p.rounds]), [['allgatherv', 7]]);
  // The default allreduce switches to the ring above 64 KiB, as ProcessGroup does.
  assert.match(allreducePhase(16_384, 'float32', 4).label, /recursive-doubling/);
  assert.match(allreducePhase(16_385, 'float32', 4).label, /ring/);
});

test('a strategy step sends what its collectives send; lion-bf16 half of lion, cub-1bit a 32nd-ish', () => {
  const d = 1 << 22;
  for (const n of [2, 4, 8]) {
    const bytes = (name: string): number => phaseBytes(stepSchedule(parseModelStrategy(name), d, n).comm).bytesSent;
    assert.equal(bytes('lion'), wireBytes(predictTraffic({ algorithm: 'allreduce-ring', worldSize: n, rank: 0, count: d, elementBytes: 4, chunkBytes: DEFAULT_CHUNK_BYTES }), 32).bytesSent);
    // The compressed strategies also agree on finite gradients: inside the vote and p-bit allreduce's own
    // messages, by a one-byte allreduce for the others.
    const flag = finiteAgreementBytesSent(n, 0);
    assert.ok(flag > 0);
    assert.equal(bytes('cub-1bit'), voteAllreduceTraffic(n, 0, d).bytesSent);
    assert.equal(bytes('dlion-mavo'), voteAllgatherTraffic(n, 0, d).bytesSent + flag);
    assert.equal(bytes('dlion-avg'), tallyAllreduceTraffic(n, 0, d).bytesSent + flag);
    assert.equal(bytes('cub-int8'), int8RingTraffic(n, 0, d).bytesSent + flag);
    assert.equal(bytes('cub-pbit:bits=4'), pbitAllreduceTraffic(n, 0, d, 4).bytesSent);
    assert.ok(Math.abs(bytes('lion-bf16') / bytes('lion') - 0.5) < 0.01);
    assert.ok(bytes('cub-1bit') / bytes('lion') < 1 / 30);
  }
});

test('one rank: no communication phase for any strategy', () => {
  for (const name of ['lion', 'lion-bf16', 'cub-1bit', 'cub-int8', 'dlion-mavo', 'dlion-avg']) {
    const s = stepSchedule(parseModelStrategy(name), 1000, 1);
    assert.deepEqual(s.comm, []);
    assert.deepEqual(s.decode.map((p) => p.label), ['Lion step']);
  }
});
