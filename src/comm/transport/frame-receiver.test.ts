// Tests of per-link receive matching: posted vs early frames, mid-frame posting, backpressure, mismatches.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MismatchError, type CommError } from '../errors.js';
import { FrameReceiver, QUEUED_FRAME_OVERHEAD_BYTES, type FrameReceiverOptions } from './frame-receiver.js';
import { FRAME_HEADER_BYTES, frameHeaderBytes, type FrameHeader } from './frame.js';
import { receiverOptions } from './test-support/frame-receiver-options.js';
import type { FrameTag } from './transport.js';

const tag = (part: number, seq = 5): FrameTag => ({ op: 1, seq, dtype: 6, part });

function wire(t: FrameTag, payload: Uint8Array, sender = 0): Buffer {
  return Buffer.concat([frameHeaderBytes({ ...t, sender, payloadLength: payload.byteLength }), payload]);
}

function payload(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
}

function setup(overrides: Partial<FrameReceiverOptions> = {}) {
  const events = { pressure: [] as boolean[], fatal: [] as CommError[], control: [] as Array<[FrameHeader, Uint8Array]>, dataBytes: 0 };
  const r = new FrameReceiver(receiverOptions({
    onControl: (h, p) => events.control.push([h, p]),
    onPressure: (p) => events.pressure.push(p),
    onDataFrame: (n) => { events.dataBytes += n; },
    onFatal: (e) => events.fatal.push(e),
    ...overrides,
  }));
  return { r, events };
}

describe('FrameReceiver', () => {
  it('copies a frame into a recv posted before it arrives, in chunks of any size', async () => {
    const { r, events } = setup();
    const p = payload(1000, 1);
    const into = new Uint8Array(1000);
    const done = r.recv(tag(0), into);
    const w = wire(tag(0), p);
    for (let i = 0; i < w.length; i += 7) r.push(w.subarray(i, i + 7));
    await done;
    assert.deepEqual(into, p);
    assert.equal(r.pendingBytes, 0);
    assert.equal(events.dataBytes, FRAME_HEADER_BYTES + 1000);
  });

  it('buffers frames that arrive before their recv and delivers them in order', async () => {
    const { r } = setup();
    const a = payload(10, 1), b = payload(0, 2), c = payload(33, 3);
    r.push(Buffer.concat([wire(tag(0), a), wire(tag(1), b), wire(tag(2), c)]));
    assert.equal(r.pendingBytes, 43);
    assert.equal(r.hasCompleteFrame, true);
    const ia = new Uint8Array(10), ib = new Uint8Array(0), ic = new Uint8Array(33);
    await r.recv(tag(0), ia);
    await r.recv(tag(1), ib);
    await r.recv(tag(2), ic);
    assert.deepEqual(ia, a);
    assert.deepEqual(ic, c);
    assert.equal(r.pendingBytes, 0);
  });

  it('takes over a frame that is half received when the recv is posted', async () => {
    const { r } = setup();
    const p = payload(500, 4);
    const w = wire(tag(3), p);
    r.push(w.subarray(0, FRAME_HEADER_BYTES + 123));
    const into = new Uint8Array(500);
    const done = r.recv(tag(3), into);
    assert.equal(r.pendingBytes, 0);
    r.push(w.subarray(FRAME_HEADER_BYTES + 123));
    await done;
    assert.deepEqual(into, p);
  });

  it('pauses above maxPendingBytes (payload plus a fixed cost per frame) and resumes once the frames are taken', async () => {
    const { r, events } = setup({ maxPendingBytes: 100 + 2 * QUEUED_FRAME_OVERHEAD_BYTES });
    r.push(wire(tag(0), payload(80, 1)));
    assert.deepEqual(events.pressure, []);
    r.push(wire(tag(1), payload(80, 2)));
    assert.deepEqual(events.pressure, [true]);
    await r.recv(tag(0), new Uint8Array(80));
    assert.deepEqual(events.pressure, [true, false]);
    await r.recv(tag(1), new Uint8Array(80));
    assert.deepEqual(events.pressure, [true, false]);
  });

  it('one million empty frames nobody receives: the socket is paused after maxQueuedFrames, memory stays bounded', () => {
    const { r, events } = setup({ maxQueuedFrames: 1000 });
    // 2048 empty frames per 64 KiB chunk, as a socket delivers them; a paused socket delivers no more.
    const chunk = Buffer.concat(Array.from({ length: 2048 }, (_, i) => wire(tag(i), new Uint8Array(0))));
    let pushed = 0;
    while (pushed < 1_000_000 && events.pressure.at(-1) !== true) {
      r.push(chunk);
      pushed += 2048;
    }
    assert.deepEqual(events.pressure, [true], 'paused once, by frame count alone (no payload at all)');
    assert.ok(pushed <= 2048, `stopped after ${pushed} frames, one chunk past the cap`);
    assert.equal(r.pendingBytes, 0);
  });

  it('counts each queued frame\'s overhead toward maxPendingBytes, so small frames cannot hide from it', () => {
    const { r, events } = setup({ maxPendingBytes: 64 * 1024 });
    const frames = Math.ceil((64 * 1024) / (QUEUED_FRAME_OVERHEAD_BYTES + 1)) + 1;
    for (let i = 0; i < frames && events.pressure.length === 0; i++) r.push(wire(tag(i), payload(1, i)));
    assert.deepEqual(events.pressure, [true]);
  });

  it('rejects a frame whose tag differs from the posted recv, naming both ranks', async () => {
    const { r, events } = setup();
    const done = r.recv(tag(0), new Uint8Array(4));
    r.push(wire(tag(1), payload(4, 0)));
    await assert.rejects(done, (e: CommError) => {
      assert.equal(e.code, 'mismatch');
      assert.equal(e.rank, 1);
      assert.equal(e.peer, 0);
      assert.match(e.message, /rank 1 expected \{op 1, seq 5, part 0, dtype uint8, 4 bytes\} from rank 0, but rank 0 sent \{op 1, seq 5, part 1/);
      return true;
    });
    assert.equal(events.fatal.length, 1);
    await assert.rejects(r.recv(tag(1), new Uint8Array(4)), { code: 'mismatch' });
  });

  it('rejects a buffered frame of another length or sequence number', async () => {
    for (const [t, n] of [[tag(0), 5], [tag(0, 6), 4]] as const) {
      const { r, events } = setup();
      r.push(wire(tag(0), payload(4, 0)));
      await assert.rejects(r.recv(t, new Uint8Array(n)), { code: 'mismatch' });
      assert.equal(events.fatal.length, 1);
    }
  });

  it('treats a frame claiming another sender as a protocol error', async () => {
    const { r, events } = setup();
    const done = r.recv(tag(0), new Uint8Array(4));
    r.push(wire(tag(0), payload(4, 0), 2));
    await assert.rejects(done, { code: 'protocol', message: /claims sender rank 2/ });
    assert.equal(events.fatal[0].code, 'protocol');
  });

  it('delivers control frames apart from data, within their own cap', async () => {
    const { r, events } = setup();
    const into = new Uint8Array(3);
    const done = r.recv(tag(0), into);
    r.push(Buffer.concat([wire({ op: 64, seq: 0, part: 0, dtype: 0 }, payload(2, 9)), wire(tag(0), payload(3, 1))]));
    await done;
    assert.equal(events.control.length, 1);
    assert.equal(events.control[0][0].op, 64);
    assert.deepEqual(events.control[0][1], payload(2, 9));
    r.push(wire({ op: 65, seq: 0, part: 0, dtype: 0 }, payload(1025, 0)));
    assert.equal(events.fatal[0].code, 'protocol');
  });

  it('enforces maxFrameBytes for data frames', () => {
    const { r, events } = setup({ maxFrameBytes: 16 });
    r.push(wire(tag(0), payload(17, 0)));
    assert.equal(events.fatal[0].code, 'protocol');
    assert.match(events.fatal[0].message, /over the cap of 16/);
  });

  it('allows one pending recv per peer', async () => {
    const { r } = setup();
    const first = r.recv(tag(0), new Uint8Array(1));
    await assert.rejects(r.recv(tag(1), new Uint8Array(1)), { code: 'invalid_argument' });
    r.push(wire(tag(0), payload(1, 0)));
    await first;
  });

  it('stops parsing a chunk once a control frame in it failed the link', () => {
    let r: FrameReceiver;
    const fatal: CommError[] = [];
    r = new FrameReceiver(receiverOptions({
      onControl: () => r.fail(new MismatchError('the peer aborted')),
      onFatal: (e) => fatal.push(e),
    }));
    const data = wire(tag(0), payload(100, 1));
    r.push(Buffer.concat([wire({ op: 65, seq: 0, part: 0, dtype: 0 }, payload(3, 0)), data.subarray(0, 50)]));
    r.push(data.subarray(50));
    assert.equal(fatal.length, 1);
    assert.equal(r.pendingBytes, 0);
  });
});

