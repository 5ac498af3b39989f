// After a local worker failure (awaitCause): the node that reported first is confirmed as the origin once every other
// node's keep-alive has moved; a node that reported second waits for the round the first one opens; a lost node or a
// round opened just before the deadline is seen as a cause elsewhere. Limits only keep a broken rule from hanging.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElasticRendezvous, type ClosedRound, type ElasticTiming } from '../comm/rendezvous/elastic/handler.js';
import { MemoryStateBackend } from '../comm/rendezvous/elastic/memory-backend.js';
import { rendezvousSealKey } from '../comm/rendezvous/elastic/sealed-state.js';
import { awaitCause } from './membership-watch.js';

const key = rendezvousSealKey('f00dfeedc0ffee0123456789abcdef42', 'job');
const address = { addr: '10.0.0.1', storePort: 1000 };
const quiet: ElasticTiming = { joinTimeoutMs: 5_000, lastCallMs: 300, keepAliveIntervalMs: 60_000, keepAliveTimeoutMs: 120_000 };
const start = (node: string) => ({ kind: 'start' as const, node, text: 'job start' });
const failure = (node: string) => ({ kind: 'failure' as const, node, text: `on node ${node}: rank 0 exited with status 3` });

async function pair(timing: ElasticTiming = quiet): Promise<{ a: ElasticRendezvous; b: ElasticRendezvous; ra: ClosedRound; rb: ClosedRound }> {
  const backend = new MemoryStateBackend();
  const [a, b] = ['a', 'b'].map((nodeId) => new ElasticRendezvous({ backend, nodeId, min: 2, max: 2, rdzvId: 'job', sealKey: key, timing }));
  const [ra, rb] = await Promise.all([a.join(undefined, start('a'), address), b.join(undefined, start('b'), address)]);
  return { a, b, ra, rb };
}

/** Keeps `h` beating (as its launcher's watch does) until the returned stop is called. */
function keepAlive(h: ElasticRendezvous, r: ClosedRound): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await h.check(r);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return async () => { stopped = true; await loop; };
}

test('the node that reported its failure first is confirmed as the origin once the other node is seen alive', { timeout: 60_000 }, async () => {
  const { a, b, ra, rb } = await pair({ ...quiet, keepAliveIntervalMs: 50 });
  const stop = keepAlive(a, ra);
  try {
    // A deadline of 10 minutes: only the confirmation can end this wait within the test's limit.
    assert.equal(await awaitCause(b, rb, 20, 600_000), undefined);
    assert.deepEqual(b.lastState?.failures, { round: 0, nodes: ['b'] });
  } finally {
    await stop();
  }
});

test('a node that reported second waits for the round the first one opens', { timeout: 60_000 }, async () => {
  const { a, b, ra, rb } = await pair({ ...quiet, keepAliveIntervalMs: 50 });
  await a.reportFailure(ra);
  const stop = keepAlive(a, ra);
  const waiting = awaitCause(b, rb, 20, 600_000);
  // b sees a alive many times over before a opens the next round; being second, it is not confirmed meanwhile.
  await new Promise((r) => setTimeout(r, 1000));
  await stop();
  const opened = a.join(ra.round, failure('a'), address);
  const seen = await waiting;
  assert.ok(seen && 'change' in seen && seen.change.kind === 'next-round', JSON.stringify(seen));
  assert.equal(seen.change.kind === 'next-round' && seen.change.cause.text, 'on node a: rank 0 exited with status 3');
  assert.deepEqual(b.lastState?.failures, { round: 0, nodes: ['a', 'b'] });
  await Promise.all([opened, b.join(rb.round, failure('b'), address)]);
});

test('the other node silent: no confirmation, its loss is the cause', { timeout: 60_000 }, async () => {
  const { b, rb } = await pair({ ...quiet, keepAliveIntervalMs: 50, keepAliveTimeoutMs: 400 });
  const seen = await awaitCause(b, rb, 20, 600_000);
  assert.deepEqual(seen, { change: { kind: 'node-lost', nodes: ['a'] } });
});

test('a round another node opens after the last poll but before the deadline is seen by the final read', async () => {
  const { a, b, ra, rb } = await pair();
  // b polls once at the start (the next poll, 10 s later, is after its 1.5 s deadline); a opens generation 1 at 0.2 s.
  const waiting = awaitCause(b, rb, 10_000, 1_500);
  await new Promise((r) => setTimeout(r, 200));
  const opened = a.join(ra.round, failure('a'), address);
  const seen = await waiting;
  assert.ok(seen && 'change' in seen && seen.change.kind === 'next-round', JSON.stringify(seen));
  await Promise.all([opened, b.join(rb.round, failure('b'), address)]);
});

test('nothing changed and the other node never seen alive: no change, after the deadline', async () => {
  const { b, rb } = await pair();
  assert.equal(await awaitCause(b, rb, 10_000, 300), undefined);
});
