// The wait of a node whose worker failed (awaitChange): a change made by another node before the wait's end is seen,
// also when it lands between the last poll and the deadline; none is reported when nothing changed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElasticRendezvous, type ElasticTiming } from '../comm/rendezvous/elastic/handler.js';
import { MemoryStateBackend } from '../comm/rendezvous/elastic/memory-backend.js';
import { rendezvousSealKey } from '../comm/rendezvous/elastic/sealed-state.js';
import { awaitChange } from './membership-watch.js';

const timing: ElasticTiming = { joinTimeoutMs: 5_000, lastCallMs: 300, keepAliveIntervalMs: 60_000, keepAliveTimeoutMs: 120_000 };
const key = rendezvousSealKey('f00dfeedc0ffee0123456789abcdef42', 'job');
const address = { addr: '10.0.0.1', storePort: 1000 };

async function pair(): Promise<[ElasticRendezvous, ElasticRendezvous]> {
  const backend = new MemoryStateBackend();
  const [a, b] = ['a', 'b'].map((nodeId) => new ElasticRendezvous({ backend, nodeId, min: 2, max: 2, rdzvId: 'job', sealKey: key, timing }));
  return [a, b];
}

test('a round another node opens after the last poll but before the deadline is seen by the final read', async () => {
  const [a, b] = await pair();
  const [ra, rb] = await Promise.all([a.join(undefined, { kind: 'start', node: 'a', text: 'job start' }, address), b.join(undefined, { kind: 'start', node: 'b', text: 'job start' }, address)]);
  // b polls once at the start (the next poll, 10 s later, is after its 1.5 s deadline); a opens generation 1 at 0.2 s.
  const waiting = awaitChange(b, rb, 10_000, 1_500);
  await new Promise((r) => setTimeout(r, 200));
  const opened = a.join(ra.round, { kind: 'failure', node: 'a', text: 'on node a: rank 0 exited with status 3' }, address);
  const seen = await waiting;
  assert.ok(seen && 'change' in seen && seen.change.kind === 'next-round', JSON.stringify(seen));
  assert.equal(seen.change.kind === 'next-round' && seen.change.cause.text, 'on node a: rank 0 exited with status 3');
  void opened.catch(() => {});
});

test('nothing changed during the wait: no change is reported', async () => {
  const [a, b] = await pair();
  const [, rb] = await Promise.all([a.join(undefined, { kind: 'start', node: 'a', text: 'job start' }, address), b.join(undefined, { kind: 'start', node: 'b', text: 'job start' }, address)]);
  assert.equal(await awaitChange(b, rb, 10_000, 300), undefined);
});
