// Data frames for collectives this rank already completed, or implausibly far ahead, fail the link as protocol errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, type CommError } from '../errors.js';
import { OP_CODES } from '../codes.js';
import { ProcessGroup } from '../process-group.js';
import { FrameReceiver } from './frame-receiver.js';
import { connectLoopbackMesh } from './tcp-loopback.js';
import { frameHeaderBytes } from './frame.js';
import { receiverOptions } from './test-support/frame-receiver-options.js';
import type { FrameTag } from './transport.js';

const tag = (seq: number, part = 0): FrameTag => ({ op: 1, seq: seq >>> 0, dtype: 6, part });
const frame = (t: FrameTag, bytes = 4): Buffer => Buffer.concat([frameHeaderBytes({ ...t, sender: 0, payloadLength: bytes }), Buffer.alloc(bytes, 7)]);

function setup() {
  const fatal: CommError[] = [];
  const r = new FrameReceiver(receiverOptions({ onFatal: (e) => fatal.push(e) }));
  return { r, fatal };
}

function isStale(seq: number) {
  return (e: unknown) => e instanceof ProtocolError && e.code === 'protocol' && e.peer === 0 && e.seq === seq && new RegExp(`seq ${seq}\\b`).test(e.message);
}

describe('stale and far-future data frames', () => {
  it('accepts frames for the live collective and ones a peer ran ahead to; refuses one for a completed collective', async () => {
    const { r, fatal } = setup();
    r.retireSeqsBefore(10);
    // A broadcast root may be many collectives ahead: queued, not refused.
    r.push(Buffer.concat([frame(tag(10)), frame(tag(11)), frame(tag(1000))]));
    assert.equal(fatal.length, 0);
    await r.recv(tag(10), new Uint8Array(4));
    await r.recv(tag(11), new Uint8Array(4));
    r.retireSeqsBefore(12);
    r.push(frame(tag(11, 1)));
    assert.equal(fatal.length, 1);
    assert.ok(isStale(11)(fatal[0]), fatal[0].message);
    await assert.rejects(r.recv(tag(1000), new Uint8Array(4)), isStale(11));
  });

  it('refuses a frame 2^31 or more collectives ahead (read as behind in serial order), also across the uint32 wrap', () => {
    const far = setup();
    far.r.retireSeqsBefore(5);
    far.r.push(frame(tag(5 + 0x80000000)));
    assert.ok(isStale((5 + 0x80000000) >>> 0)(far.fatal[0]));

    const wrapped = setup();
    wrapped.r.retireSeqsBefore(0xfffffffe);
    wrapped.r.push(Buffer.concat([frame(tag(0xfffffffe)), frame(tag(3))])); // 3 is 5 ahead after the wrap
    assert.equal(wrapped.fatal.length, 0);
    wrapped.r.push(frame(tag(0xfffffffd)));
    assert.ok(isStale(0xfffffffd)(wrapped.fatal[0]));
  });

  it('a stale frame already queued fails the link when its collective is retired', () => {
    const { r, fatal } = setup();
    r.push(Buffer.concat([frame(tag(3)), frame(tag(2))])); // out of order: 2 after 3
    assert.equal(fatal.length, 0, 'nothing is retired yet: both could still be wanted');
    r.retireSeqsBefore(3);
    assert.ok(isStale(2)(fatal[0]), fatal[0]?.message);
  });
});

describe('stale frames between real process groups over TCP', () => {
  for (const [what, seq] of [['a frame for a completed collective', 0], ['a frame 2^31 collectives ahead', (1 + 0x80000000) >>> 0]] as const) {
    it(`${what} fails the receiver's next call with a protocol error naming the peer and seq`, async () => {
      const transports = await connectLoopbackMesh(2);
      const groups = transports.map((t) => new ProcessGroup(t));
      try {
        await Promise.all(groups.map((g) => g.barrier())); // seq 0, completed on both ranks
        // Rank 0 misbehaves: a data frame with seq `seq` straight on its transport.
        void transports[0].send(1, { op: OP_CODES.barrier, seq, dtype: 0, part: 0 }, new Uint8Array(0)).catch(() => {});
        await assert.rejects(groups[1].barrier(), (e: CommError) => e.code === 'protocol' && /rank 0 sent a frame for collective seq/.test(e.message) && e.message.includes(`seq ${seq} `));
      } finally {
        await Promise.all(groups.map((g) => g.close()));
      }
    });
  }
});
