// Ring allreduce internals: chunk pipelining order and scratch reuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelMemory } from '../../kernels/load.js';
import { seededRandom } from '../../random.js';
import { DTYPE_BYTES, DTYPE_CODES, OP_CODES, type DType } from '../codes.js';
import type { ElementArray, ReduceOp } from '../reduce-ops.js';
import { createMemoryTransports } from '../transport/memory-transport.js';
import type { Transport } from '../transport/transport.js';
import { allreduceRing } from './allreduce-ring.js';
import { CollectiveLink } from './link.js';
import { Scratch, elementView } from './views.js';

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

/**
 * Wraps a transport so that each payload is read (copied) only after a random delay and the send resolves
 * then, as a socket whose buffer is full reads the caller's memory later: the contract lets it.
 */
function readsLate(t: Transport, rand: () => number): Transport {
  const last = new Map<number, Promise<void>>();
  return Object.assign(Object.create(t) as Transport, {
    send: (peer: number, tag: Parameters<Transport['send']>[1], payload: Uint8Array) => {
      // Still in order per peer, as a stream is.
      const sent = (last.get(peer) ?? Promise.resolve())
        .then(() => new Promise((r) => setTimeout(r, rand() * 4)))
        .then(() => t.send(peer, tag, payload));
      last.set(peer, sent);
      return sent;
    },
  });
}

test('sums are right when the transport reads payloads late and the phases overlap', async () => {
  // Sends resolve long after they are issued (random delays, in order per peer), so the allgather starts
  // while reduce-scatter sends are outstanding: it must wait for exactly those over the block it receives.
  for (const n of [3, 4]) {
    const rand = seededRandom(n);
    const transports = createMemoryTransports(n).map((t) => readsLate(t, rand));
    const length = 40 * n;
    const bufs = transports.map((_, r) => Float32Array.from({ length }, (__, i) => r * 1000 + i));
    await Promise.all(transports.map((t, r) => {
      const link = new CollectiveLink(t, { op: OP_CODES.allreduce, seq: 0, dtype: DTYPE_CODES.float32 });
      return allreduceRing({ link, chunkBytes: 16, scratch: new Scratch() }, bufs[r], 'float32', 'sum');
    }));
    const expected = Array.from({ length }, (_, i) => (1000 * n * (n - 1)) / 2 + n * i);
    for (const buf of bufs) assert.deepEqual([...buf], expected, `N = ${n}`);
  }
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

/** Runs one ring allreduce over N in-memory ranks on the given arrays with the given scratches. */
async function ringOn(bufs: ElementArray[], scratches: Scratch[], dtype: DType, op: ReduceOp, chunkBytes: number): Promise<void> {
  const transports = createMemoryTransports(bufs.length);
  await Promise.all(transports.map((t, r) => {
    const link = new CollectiveLink(t, { op: OP_CODES.allreduce, seq: 0, dtype: DTYPE_CODES[dtype] });
    return allreduceRing({ link, chunkBytes, scratch: scratches[r] }, bufs[r], dtype, op);
  }));
}

test('arrays in kernel memory reduce through kernel-memory slots to the same bits as ordinary arrays', async () => {
  const inUse = kernelMemory.bytesInUse;
  const n = 3;
  const length = 1001;
  for (const [dtype, op] of [['float32', 'mean'], ['float32', 'max'], ['bfloat16', 'mean'], ['int32', 'sum'], ['int8', 'sum']] as const) {
    const bytes = length * DTYPE_BYTES[dtype];
    const rand = seededRandom(7);
    // Any bits, but no float32 NaN (whose sign and payload are not part of the contract): top byte below 0x7f / 0xff.
    const inputs = Array.from({ length: n }, () => Uint8Array.from({ length: bytes }, (_, i) => (rand() * 256) & (dtype === 'float32' && i % 4 === 3 ? 0xbf : 0xff)));
    const plain = inputs.map((b) => elementView(dtype, b.slice()));
    await ringOn(plain, [new Scratch(), new Scratch(), new Scratch()], dtype, op, 256);

    const scratches = [0, 1, 2].map(() => new Scratch({ kernelChunkBytes: 256 }));
    const regions = inputs.map((b) => {
      const region = kernelMemory.alloc(bytes);
      region.u8().set(b);
      return region;
    });
    const inKernel = regions.map((region) => elementView(dtype, region.u8()));
    assert.equal(scratches[0].chunk('chunkA', 256, inKernel[0]).buffer, kernelMemory.memory.buffer, 'receive slot beside the array');
    assert.notEqual(scratches[0].chunk('chunkA', 256, plain[0]).buffer, kernelMemory.memory.buffer, 'ordinary slot for an ordinary array');
    await ringOn(inKernel, scratches, dtype, op, 256);
    for (let r = 0; r < n; r++) {
      assert.deepEqual(new Uint8Array(inKernel[r].buffer, inKernel[r].byteOffset, bytes), new Uint8Array(plain[r].buffer, plain[r].byteOffset, bytes), `${dtype} ${op} rank ${r}`);
    }
    regions.forEach((region) => kernelMemory.release(region));
    scratches.forEach((s) => s.release());
  }
  assert.equal(kernelMemory.bytesInUse, inUse, 'released scratch returns its kernel memory');
});
