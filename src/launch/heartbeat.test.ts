// The launcher's heartbeat rule (who is hung, what the others wait in), the preload's line format, and the report text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { describeFailure } from './events.js';
import { checkHeartbeatTimeout, describeWaiting, HEARTBEAT_PRELOAD_IMPORT, heartbeatIntervalMs, heartbeatLines, HeartbeatMonitor } from './heartbeat.js';

const inCall = (rank: number, op: string, seq: number, waitingFor: number[]) => ({ rank, op, seq, elapsedMs: 10, waitingFor });

test('the worker silent the longest is hung once its silence reaches the timeout; exited workers do not count', () => {
  const m = new HeartbeatMonitor(1000);
  for (const r of [0, 1, 2]) m.started(r, 0);
  m.beat(0, { ops: [] }, 400);
  m.beat(1, { ops: [inCall(1, 'allreduce', 7, [2])] }, 300);
  m.beat(2, { ops: [inCall(2, 'allreduce', 7, [0])] }, 200);
  assert.equal(m.check(1199), undefined);
  m.beat(0, { ops: [inCall(0, 'allreduce', 7, [1])] }, 1100);
  m.beat(1, { ops: [inCall(1, 'allreduce', 7, [2])] }, 1150);
  const hung = m.check(1200)!;
  assert.deepEqual([hung.rank, hung.silentMs], [2, 1000]);
  assert.deepEqual(hung.lastSeenIn.map((a) => a.seq), [7]);
  assert.deepEqual(hung.othersWaitingIn.map((a) => a.rank), [0, 1]);
  m.exited(2);
  assert.equal(m.check(1200), undefined);
  // A worker that never beat at all is hung a timeout after it started.
  const fresh = new HeartbeatMonitor(500);
  fresh.started(4, 100);
  assert.equal(fresh.check(599), undefined);
  assert.equal(fresh.check(600)!.rank, 4);
});

test('the report names the hung rank, where it was, and the call the others wait in', () => {
  const text = describeFailure({
    kind: 'worker-hung', rank: 2, silentMs: 15_300, lastSeenIn: [inCall(2, 'allreduce', 57, [])],
    othersWaitingIn: [inCall(0, 'allreduce', 58, [1]), inCall(1, 'allreduce', 58, [2]), inCall(3, 'barrier', 4, [2])],
  });
  assert.equal(text, 'rank 2 sent no heartbeat for 15.3 s: stopped, frozen or blocked (last seen in allreduce #57); ranks 0, 1 are waiting in allreduce #58; rank 3 in barrier #4');
  assert.equal(describeFailure({ kind: 'worker-hung', rank: 0, silentMs: 4000, lastSeenIn: [], othersWaitingIn: [] }), 'rank 0 sent no heartbeat for 4.0 s: stopped, frozen or blocked');
  assert.equal(describeWaiting([inCall(1, 'barrier', 0, [])]), 'rank 1 is waiting in barrier #0');
});

test('heartbeat lines round-trip; intervals are a tenth of the timeout within [100 ms, 1 s]; timeouts under 1 s are refused', () => {
  const beat = { ops: [inCall(1, 'allgatherv', 3, [0, 2])] };
  assert.deepEqual(heartbeatLines.decode(heartbeatLines.encode(beat)), beat);
  assert.ok(decodeURIComponent(HEARTBEAT_PRELOAD_IMPORT).includes(JSON.stringify(heartbeatLines.prefix)), 'the preload writes the prefix the launcher reads');
  assert.deepEqual([500, 4000, 15_000, 120_000].map(heartbeatIntervalMs), [100, 400, 1000, 1000]);
  assert.equal(checkHeartbeatTimeout('t', 0), 0);
  assert.equal(checkHeartbeatTimeout('t', 1000), 1000);
  assert.throws(() => checkHeartbeatTimeout('t', 999), InvalidArgumentError);
  assert.throws(() => checkHeartbeatTimeout('t', Number.NaN), InvalidArgumentError);
  assert.equal(checkHeartbeatTimeout('t', 2 ** 31 - 1), 2 ** 31 - 1);
  assert.throws(() => checkHeartbeatTimeout('t', 2 ** 31), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(String(2 ** 31 - 1)));
});
