// The in-memory transport: ordering, copies, tag checks, counters, failure semantics, and the shared transport contract.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { CommError, CommTimeoutError, MismatchError, PeerClosedError } from '../errors.js';
import { createMemoryTransports } from './memory-transport.js';
import { transportContract } from './test-support/transport-contract.js';
import type { FrameTag } from './transport.js';

const tag = (part: number, extra: Partial<FrameTag> = {}): FrameTag => ({ op: 1, seq: 7, dtype: 1, part, ...extra });

test('frames arrive in order, as copies, whether the receive is posted before or after the send', async () => {
  const [a, b] = createMemoryTransports(2);
  const early = new Uint8Array(3);
  const earlyDone = b.recv(0, tag(0), early);
  const payload = Uint8Array.from([1, 2, 3]);
  await a.send(1, tag(0), payload);
  payload.fill(9); // the sender may reuse its buffer once send resolves
  await a.send(1, tag(1), payload);
  await earlyDone;
  assert.deepEqual([...early], [1, 2, 3]);
  const late = new Uint8Array(3);
  await b.recv(0, tag(1), late);
  assert.deepEqual([...late], [9, 9, 9]);
});

test('a frame with another tag or length is rejected with a MismatchError naming both ranks', async () => {
  for (const [sent, expected, length] of [
    [tag(0, { op: 3 }), tag(0), 4],
    [tag(0, { seq: 8 }), tag(0), 4],
    [tag(0, { dtype: 2 }), tag(0), 4],
    [tag(1), tag(0), 4],
    [tag(0), tag(0), 5],
  ] as const) {
    const [a, b] = createMemoryTransports(2);
    await a.send(1, sent, new Uint8Array(4));
    const error = await b.recv(0, expected, new Uint8Array(length)).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof MismatchError, `${JSON.stringify(sent)} vs ${JSON.stringify(expected)}`);
    assert.equal(error.rank, 1);
    assert.equal(error.peer, 0);
    assert.match(error.message, /rank 1 expected .* from rank 0, but rank 0 sent/);
  }
});

test('counters add a header per frame: 32 bytes by default, or the configured size', async () => {
  for (const [options, header] of [[{}, 32], [{ headerBytes: 24 }, 24]] as const) {
    const [a, b] = createMemoryTransports(2, options);
    await a.send(1, tag(0), new Uint8Array(10));
    await a.send(1, tag(1), new Uint8Array(0));
    assert.deepEqual(a.counters, { bytesSent: 10 + 2 * header, bytesReceived: 0 });
    assert.equal(b.counters.bytesReceived, 0, 'received bytes count when a receive consumes the frame');
    await b.recv(0, tag(0), new Uint8Array(10));
    await b.recv(0, tag(1), new Uint8Array(0));
    assert.deepEqual(b.counters, { bytesSent: 0, bytesReceived: 10 + 2 * header });
  }
});

test('abort fails pending and later operations with the reason, once, and peers fail with the same kind of error', async () => {
  const [a, b, c] = createMemoryTransports(3);
  const failures: CommError[] = [];
  a.onFailure((e) => failures.push(e));
  const peerFailures: CommError[] = [];
  b.onFailure((e) => peerFailures.push(e));
  const pending = a.recv(1, tag(0), new Uint8Array(1));
  const peerPending = b.recv(0, tag(0), new Uint8Array(1));
  const otherPeerPending = c.recv(1, tag(0), new Uint8Array(1)); // c waits on b, not on a: it is told all the same
  const reason = new CommTimeoutError('gave up waiting', { op: 'allreduce', seq: 4, rank: 0, peer: 2 });
  a.abort(reason);
  a.abort(new CommError('closed', 'second abort is ignored'));
  await assert.rejects(pending, (e) => e === reason);
  await assert.rejects(a.send(1, tag(0), new Uint8Array(1)), (e) => e === reason);
  await assert.rejects(a.recv(2, tag(0), new Uint8Array(1)), (e) => e === reason);
  for (const [p, rank] of [[peerPending, 1], [otherPeerPending, 2]] as const) {
    const seen = await p.then(() => undefined, (e: unknown) => e);
    assert.ok(seen instanceof CommTimeoutError, String(seen));
    assert.deepEqual([seen.rank, seen.peer, seen.op, seen.seq], [rank, 2, 'allreduce', 4], 'the fields of the reason travel');
    assert.match(seen.message, /rank 0 failed and aborted the job: gave up waiting/);
  }
  assert.deepEqual(failures, [reason]);
  assert.equal(peerFailures.length, 1);
  const late: CommError[] = [];
  a.onFailure((e) => late.push(e));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(late, [reason], 'a listener registered after the failure still hears about it');
});

test('a rank aborting for its own reasons (no peer named) is named as the peer', async () => {
  const [a, b] = createMemoryTransports(2);
  const pending = b.recv(0, tag(0), new Uint8Array(1));
  a.abort(new CommError('protocol', 'bad frame'));
  await assert.rejects(pending, (e: unknown) => e instanceof CommError && e.code === 'protocol' && e.peer === 0);
});

test('a killed rank is reported to every peer as a closed connection naming it', async () => {
  const transports = createMemoryTransports(4);
  const pending = [0, 1, 3].map((r) => transports[r].recv(r === 3 ? 0 : r + 1, tag(0), new Uint8Array(1)));
  transports[2].kill();
  const errors = await Promise.all(pending.map((p) => p.then(() => undefined, (e: unknown) => e)));
  for (const e of errors) {
    assert.ok(e instanceof PeerClosedError);
    assert.equal(e.peer, 2, 'the first failure every rank sees names the killed rank');
  }
  await assert.rejects(transports[2].send(0, tag(0), new Uint8Array(1)), /killed/);
});

test('close rejects pending operations with code closed and closes the peers', async () => {
  const [a, b] = createMemoryTransports(2);
  const pending = a.recv(1, tag(0), new Uint8Array(1));
  const peerPending = b.recv(0, tag(0), new Uint8Array(1));
  await a.close();
  await assert.rejects(pending, (e: unknown) => e instanceof CommError && e.code === 'closed');
  await assert.rejects(peerPending, (e: unknown) => e instanceof PeerClosedError && e.peer === 0);
  await a.close();
});

test('misuse is refused: bad peers, two receives pending from one peer, bad sizes', async () => {
  const [a] = createMemoryTransports(2);
  await assert.rejects(a.send(0, tag(0), new Uint8Array(1)), InvalidArgumentError);
  await assert.rejects(a.send(2, tag(0), new Uint8Array(1)), InvalidArgumentError);
  void a.recv(1, tag(0), new Uint8Array(1)).catch(() => {});
  await assert.rejects(a.recv(1, tag(1), new Uint8Array(1)), /already pending/);
  assert.throws(() => createMemoryTransports(0), InvalidArgumentError);
  assert.throws(() => createMemoryTransports(2, { headerBytes: -1 }), InvalidArgumentError);
  const [solo] = createMemoryTransports(1);
  assert.equal(solo.worldSize, 1);
  await a.close();
});

transportContract('memory', {
  frameOverheadBytes: 32,
  create: async (n) => {
    const transports = createMemoryTransports(n);
    return {
      transports,
      crash: (rank) => transports[rank].kill(),
      dispose: async () => { await Promise.all(transports.map((t) => t.close())); },
    };
  },
});
