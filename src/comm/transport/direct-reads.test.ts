// Tests of reads chosen per read: payloads land in posted recv buffers, whatever the read boundaries (early ones held); errors stay typed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MismatchError, type CommError } from '../errors.js';
import { DirectReads, startDirectReads } from './direct-reads.js';
import { CONTROL_OPS, FRAME_HEADER_BYTES, frameHeaderBytes, type FrameHeader } from './frame.js';
import { FrameReceiver } from './frame-receiver.js';
import { connectLoopbackMesh, loopbackPair } from './tcp-loopback.js';
import { receiverOptions } from './test-support/frame-receiver-options.js';
import type { FrameTag } from './transport.js';

const tag = (part: number): FrameTag => ({ op: 1, seq: 9, dtype: 6, part });

function frame(t: FrameTag, payload: Uint8Array, op = t.op): Buffer {
  return Buffer.concat([frameHeaderBytes({ ...t, op, sender: 0, payloadLength: payload.byteLength }), payload]);
}

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 1) & 0xff);
}

/** A receiver fed by DirectReads from a simulated socket whose reads stop wherever `cuts` says. */
function simulated(pieceBytes = 64) {
  const events = { fatal: [] as CommError[], control: [] as Array<[FrameHeader, Uint8Array]> };
  const receiver = new FrameReceiver(receiverOptions({
    onControl: (h, p) => events.control.push([h, p]),
    onFatal: (e) => events.fatal.push(e),
  }));
  const reads = new DirectReads(receiver, pieceBytes);
  /** Delivers `stream` as reads; a read never crosses a position in `cuts` (as if the rest arrived later). */
  const deliver = async (stream: Uint8Array, cuts: readonly number[] = []): Promise<void> => {
    let pos = 0;
    const stops = [...cuts.filter((c) => c > 0 && c < stream.length), stream.length].sort((a, b) => a - b);
    for (const stop of stops) {
      while (pos < stop) {
        const buffer = reads.next();
        const n = Math.min(buffer.byteLength, stop - pos);
        buffer.set(stream.subarray(pos, pos + n));
        pos += n;
        reads.filled(n);
        await Promise.resolve(); // a read callback returns before the next read: let recv continuations run
      }
    }
  };
  return { receiver, reads, events, deliver };
}

describe('DirectReads', () => {
  it('lands every payload byte of a posted recv in its buffer, split at every byte boundary', async () => {
    const payload = bytes(200, 1);
    const stream = frame(tag(0), payload);
    for (let cut = 0; cut <= stream.length; cut++) {
      const { receiver, reads, deliver } = simulated();
      const into = new Uint8Array(200);
      const done = receiver.recv(tag(0), into);
      await deliver(stream, [cut]);
      await done;
      assert.deepEqual(into, payload, `cut at ${cut}`);
      assert.equal(reads.counts.direct, 200, `cut at ${cut}: payload read straight into the recv buffer`);
      assert.equal(reads.counts.copied, FRAME_HEADER_BYTES);
    }
  });

  it('delivers early frames, a control frame and later posted recvs in order, for every pair of read boundaries', async () => {
    const a = bytes(150, 2), b = bytes(0, 3), c = bytes(70, 4), goodbye = new Uint8Array(0);
    const stream = Buffer.concat([frame(tag(0), a), frame(tag(1), b), frame(tag(2), c), frame(tag(0), goodbye, CONTROL_OPS.goodbye)]);
    for (let first = 0; first <= stream.length; first += 3) {
      for (let second = first; second <= stream.length; second += 29) {
        const { receiver, events, deliver } = simulated(16);
        const ia = new Uint8Array(150), ib = new Uint8Array(0), ic = new Uint8Array(70);
        const da = receiver.recv(tag(0), ia); // posted first: frame 0 goes direct, 1 and 2 arrive early
        await deliver(stream, [first, second]);
        await da;
        await receiver.recv(tag(1), ib);
        await receiver.recv(tag(2), ic);
        assert.deepEqual(ia, a);
        assert.deepEqual(ic, c);
        assert.equal(events.control.length, 1, `cuts ${first}/${second}`);
        assert.equal(events.fatal.length, 0);
        assert.equal(receiver.pendingBytes, 0);
      }
    }
  });

  it('switches to direct reads when the recv is posted while its frame is arriving', async () => {
    const payload = bytes(1000, 5);
    const stream = frame(tag(0), payload);
    const { receiver, reads, deliver } = simulated(100);
    await deliver(stream.subarray(0, FRAME_HEADER_BYTES + 250));
    const into = new Uint8Array(1000);
    const done = receiver.recv(tag(0), into);
    await deliver(stream.subarray(FRAME_HEADER_BYTES + 250));
    await done;
    assert.deepEqual(into, payload);
    assert.equal(reads.counts.direct, 750);
  });

  it('fails with a MismatchError naming both ranks when the frame length differs from the recv, then ignores the rest', async () => {
    const { receiver, reads, events, deliver } = simulated();
    const done = receiver.recv(tag(0), new Uint8Array(99));
    await deliver(Buffer.concat([frame(tag(0), bytes(100, 6)), frame(tag(1), bytes(5, 7))]));
    await assert.rejects(done, (e: unknown) => e instanceof MismatchError && /rank 1 expected .*99 bytes.* from rank 0.*100 bytes/.test(e.message));
    assert.equal(events.fatal.length, 1);
    assert.equal(reads.next().byteLength > 0, true);
    assert.equal(reads.holdsCallerMemory, false, 'after the failure no read targets a caller buffer');
  });
});

/** A receiver holding early payloads (for `holdMs`) fed by DirectReads, one read at a time. */
function holding(holdMs: number) {
  const pressure: boolean[] = [];
  const receiver = new FrameReceiver(receiverOptions({ holdEarlyPayload: { maxMs: holdMs, minBytes: 100 }, onPressure: (p) => pressure.push(p) }));
  const reads = new DirectReads(receiver, 64);
  /** Delivers `stream` as reads, each at most `maxRead` bytes, into whatever buffer the reader chose. */
  const read = (stream: Uint8Array, maxRead = Infinity): void => {
    for (let pos = 0; pos < stream.length;) {
      const buffer = reads.next();
      const n = Math.min(buffer.byteLength, maxRead, stream.length - pos);
      buffer.set(stream.subarray(pos, pos + n));
      pos += n;
      reads.filled(n);
    }
  };
  return { receiver, reads, pressure, read };
}

describe('DirectReads of a receiver that holds early payloads', () => {
  it('pauses at the header of a frame without a recv and reads its payload straight into the recv posted later', async () => {
    const payload = bytes(500, 8);
    const stream = frame(tag(0), payload);
    const { receiver, reads, pressure, read } = holding(60_000);
    read(stream.subarray(0, FRAME_HEADER_BYTES));
    assert.deepEqual(pressure, [true], 'the socket is paused once the header shows no recv is posted');
    assert.equal(receiver.holdsPayload, true);
    const into = new Uint8Array(500);
    const done = receiver.recv(tag(0), into);
    assert.deepEqual(pressure, [true, false], 'posting the recv resumes the socket');
    read(stream.subarray(FRAME_HEADER_BYTES));
    await done;
    assert.deepEqual(into, payload);
    assert.equal(reads.counts.direct, 500, 'every payload byte landed in the recv buffer');
    assert.equal(reads.counts.copied, FRAME_HEADER_BYTES);
  });

  it('keeps bytes read while paused (a read already under way) in order, copied out of the reused parking buffer', async () => {
    const payload = bytes(300, 9);
    const stream = frame(tag(0), payload);
    const { receiver, reads, read } = holding(60_000);
    read(stream.subarray(0, FRAME_HEADER_BYTES + 40), 20);
    const into = new Uint8Array(300);
    const done = receiver.recv(tag(0), into);
    read(stream.subarray(FRAME_HEADER_BYTES + 40));
    await done;
    assert.deepEqual(into, payload);
    assert.equal(reads.counts.direct, 260);
    assert.equal(reads.counts.copied, FRAME_HEADER_BYTES + 40);
  });

  it('reads and queues the payload as before once the hold ran out, and resumes a paused socket when the link fails', async () => {
    const payload = bytes(200, 10);
    const stream = frame(tag(0), payload);
    const { receiver, reads, pressure, read } = holding(5);
    read(stream.subarray(0, FRAME_HEADER_BYTES));
    assert.deepEqual(pressure, [true]);
    while (pressure.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(pressure, [true, false], 'the socket reads on when the hold runs out');
    assert.equal(receiver.holdsPayload, false);
    read(stream.subarray(FRAME_HEADER_BYTES));
    assert.equal(receiver.pendingBytes, 200, 'the payload is queued for its recv');
    const into = new Uint8Array(200);
    await receiver.recv(tag(0), into);
    assert.deepEqual(into, payload);
    assert.equal(reads.counts.direct, 0);

    const failing = holding(60_000);
    failing.read(frame(tag(0), bytes(150, 11)).subarray(0, FRAME_HEADER_BYTES));
    failing.receiver.fail(new MismatchError('test failure', { rank: 1, peer: 0 }));
    assert.deepEqual(failing.pressure, [true, false], 'a failed link reads on (to discard the rest and see the FIN)');
  });

  it('reads a payload below the smallest held size on arrival and queues it, without pausing', async () => {
    const payload = bytes(99, 12);
    const { receiver, reads, pressure, read } = holding(60_000);
    read(frame(tag(0), payload));
    assert.deepEqual(pressure, []);
    assert.equal(receiver.pendingBytes, 99);
    const into = new Uint8Array(99);
    await receiver.recv(tag(0), into);
    assert.deepEqual(into, payload);
    assert.equal(reads.counts.copied, FRAME_HEADER_BYTES + 99);
  });
});

describe('TcpTransport with direct reads (security none)', () => {
  it('reads payloads straight into recv buffers over real sockets', async () => {
    const ts = await connectLoopbackMesh(2, { transport: { security: 'none', directReads: true } });
    try {
      const sizes = [0, 1, 4096, 300_000, 3 * 2 ** 20 + 5];
      const payloads = sizes.map((n, i) => bytes(n, i));
      const received = sizes.map((n) => new Uint8Array(n));
      const sends = payloads.map((payload, p) => ts[0].send(1, tag(p), payload));
      for (let p = 0; p < sizes.length; p++) await ts[1].recv(0, tag(p), received[p]);
      await Promise.all(sends);
      received.forEach((into, p) => assert.deepEqual(into, payloads[p]));
      const counts = ts[1].directReadCounts(0);
      assert.ok(counts !== null, 'this Node offers read-into mode');
      assert.ok(counts.direct > 0.9 * sizes.reduce((s, n) => s + n, 0), `only ${counts.direct} bytes were read directly`);

    } finally {
      await Promise.all(ts.map((t) => t.close()));
    }
  });

  it('delivers frames sent long before their recv intact and in order (the socket pauses at each, then resumes)', async () => {
    const ts = await connectLoopbackMesh(2, { transport: { security: 'none', directReads: true } });
    try {
      const sizes = [2 ** 20, 0, 2 ** 20, 7, 3 * 2 ** 20 + 5, 2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20];
      const payloads = sizes.map((n, i) => bytes(n, i));
      const sends = payloads.map((payload, p) => ts[0].send(1, tag(p), payload));
      await new Promise((r) => setTimeout(r, 20)); // the first frames reach rank 1 before any recv is posted
      for (let p = 0; p < sizes.length; p++) {
        const into = new Uint8Array(sizes[p]);
        await ts[1].recv(0, tag(p), into);
        assert.deepEqual(into, payloads[p], `frame ${p}`);
      }
      await Promise.all(sends);
    } finally {
      await Promise.all(ts.map((t) => t.close()));
    }
  });
});

describe('startDirectReads on an accepted socket', () => {
  it('never writes into a recv buffer once the link failed and was released, even mid-frame', async () => {
    const [client, socket] = await loopbackPair();
    try {
      const fatal: CommError[] = [];
      const receiver = new FrameReceiver(receiverOptions({ maxFrameBytes: 1 << 24, maxPendingBytes: 1 << 24, onFatal: (e) => fatal.push(e) }));
      const direct = startDirectReads(socket, receiver);
      assert.ok(direct !== null, 'this Node offers read-into mode on accepted sockets');
      socket.resume();
      const into = new Uint8Array(2 ** 20);
      const pending = receiver.recv(tag(0), into);
      pending.catch(() => {});
      const whole = frame(tag(0), new Uint8Array(2 ** 20).fill(7));
      const half = FRAME_HEADER_BYTES + 2 ** 19;
      client.write(whole.subarray(0, half));
      while (direct.reads.counts.direct < 2 ** 19) await new Promise((r) => setTimeout(r, 5));
      assert.equal(into[2 ** 19 - 1], 7);
      assert.equal(direct.reads.holdsCallerMemory, true);
      receiver.fail(new MismatchError('test failure', { rank: 1, peer: 0 }));
      direct.release();
      await assert.rejects(pending, MismatchError);
      await new Promise<void>((r) => client.write(whole.subarray(half), () => r()));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(into[2 ** 19], 0, 'bytes after the failure did not reach the abandoned buffer');
      assert.equal(into[2 ** 20 - 1], 0);
    } finally {
      client.destroy();
      socket.destroy();
    }
  });
});
