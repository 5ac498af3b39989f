// Ring allreduce internals: chunk pipelining order and scratch reuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DTYPE_CODES, OP_CODES } from '../codes.js';
import { createMemoryTransports } from '../transport/memory-transport.js';
import type { Transport } from '../transport/transport.js';
import { allreduceRing } from './allreduce-ring.js';
import { CollectiveLink } from './link.js';
import { Scratch } from './views.js';

/** Wraps a transport to log, in order, every receive posted and every send issued. */
function logged(t: Transport, log: string[]): Transport {
  return Object.assign(Object.create(t) as Transport, {
    send: (peer: number, tag: Parameters<Transport['send']>[1], payload: Uint8Array) => {
      log.push('send');
      return t.send(peer, tag, payload);
    },
    recv: (peer: number, tag: Parameters<Transport['recv']>[1], into: Uint8Array) => {
      log.push('recv');
      return t.recv(peer, tag, into);
    },
  });
}

test('the ring is pipelined: each chunk is forwarded only after the next receive is posted', async () => {
  // N = 3, 30 float32, 8-byte chunks: blocks of 10 elements = 5 chunks. Step 0 sends 5 chunks; each of
  // the next 15 sends forwards the chunk of receive k (k = 0..14), so receive k+1 must already be posted.
  // One exception, k = 9: the last reduce-scatter chunk. Receive 10 is the first allgather receive, which
  // writes over a block whose partial sum this rank sent, so it is posted once those sends have completed.
  const logs: string[][] = [[], [], []];
  const transports = createMemoryTransports(3).map((t, r) => logged(t, logs[r]));
  const bufs = transports.map((_, r) => Float32Array.from({ length: 30 }, (__, i) => r * 100 + i));
  await Promise.all(transports.map((t, r) => {
    const link = new CollectiveLink(t, { op: OP_CODES.allreduce, seq: 0, dtype: DTYPE_CODES.float32 });
    return allreduceRing({ link, chunkBytes: 8, scratch: new Scratch() }, bufs[r], 'float32', 'sum');
  }));
  for (const [r, log] of logs.entries()) {
    let posted = 0;
    let sends = 0;
    const postedAtForward: number[] = [];
    for (const event of log) {
      if (event === 'recv') posted++;
      else if (sends++ >= 5) postedAtForward.push(posted);
    }
    assert.deepEqual(postedAtForward, Array.from({ length: 15 }, (_, k) => (k === 9 ? k + 1 : k + 2)), `rank ${r}`);
    assert.equal(posted, 20);
  }
  for (const buf of bufs) assert.deepEqual([...buf], Array.from({ length: 30 }, (_, i) => 300 + 3 * i));
});

test('scratch memory is allocated once and reused by later calls', async () => {
  const transports = createMemoryTransports(2);
  const scratches = [new Scratch(), new Scratch()];
  const run = (seq: number) => Promise.all(transports.map((t, r) => {
    const link = new CollectiveLink(t, { op: OP_CODES.allreduce, seq, dtype: DTYPE_CODES.float32 });
    return allreduceRing({ link, chunkBytes: 64, scratch: scratches[r] }, new Float32Array(1000), 'float32', 'sum');
  }));
  await run(0);
  const first = scratches[0].bytes('chunkA', 64);
  const held = scratches[0].byteLength;
  await run(1);
  assert.equal(scratches[0].bytes('chunkA', 64).buffer, first.buffer, 'same chunk buffer on the next call');
  assert.equal(scratches[0].byteLength, held);
});
