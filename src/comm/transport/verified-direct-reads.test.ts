// Tests of in-place reads on `integrity` links: payloads land in recv buffers, and complete only once verified.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { CommError } from '../errors.js';
import { DirectReads } from './direct-reads.js';
import { frameHeaderBytes } from './frame.js';
import { FrameReceiver } from './frame-receiver.js';
import { IN_PLACE_MIN_BYTES, RECORD_KEY_BYTES, RecordOpener, RecordSealer, type DirectionKeys } from './record-layer.js';
import { receiverOptions } from './test-support/frame-receiver-options.js';
import type { FrameTag } from './transport.js';
import { VerifiedDirectReads } from './verified-direct-reads.js';

const keys: DirectionKeys = { key: randomBytes(RECORD_KEY_BYTES), iv: randomBytes(12) };
const tag = (part: number): FrameTag => ({ op: 1, seq: 9, dtype: 6, part });

/** The integrity records of one frame per payload, as a sending transport writes them. */
function sealedFrames(payloads: Uint8Array[]): Buffer {
  const sealer = new RecordSealer('integrity', keys);
  const header = (p: Uint8Array, part: number): Buffer => frameHeaderBytes({ ...tag(part), sender: 0, payloadLength: p.byteLength });
  return Buffer.concat(payloads.flatMap((p, part) => sealer.seal([header(p, part), p]).flat()));
}

/** A receiver behind an integrity opener, fed by DirectReads from a simulated socket whose reads end at most `readBytes` on. */
function simulated(readBytes: number) {
  const fatal: CommError[] = [];
  const receiver = new FrameReceiver(receiverOptions({ maxFrameBytes: 1 << 21, maxPendingBytes: 1 << 22, onFatal: (e) => fatal.push(e) }));
  const opener = new RecordOpener('integrity', keys, (bytes) => receiver.push(bytes), 'rank 0', { rank: 1, peer: 0 });
  const reads = new DirectReads(new VerifiedDirectReads(opener, receiver));
  let pos = 0;
  /** Reads the stream up to `stop` (read sizes cycle through odd lengths up to `readBytes`). */
  const deliver = async (stream: Uint8Array, stop = stream.length): Promise<void> => {
    for (let i = 0; pos < stop; i++) {
      const buffer = reads.next();
      const n = Math.min(buffer.byteLength, stop - pos, 1 + ((i * 7919) % readBytes));
      buffer.set(stream.subarray(pos, pos + n));
      pos += n;
      reads.filled(n);
      await Promise.resolve(); // a read callback returns before the next read: let recv continuations run
    }
  };
  return { receiver, reads, fatal, deliver };
}

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => { done = true; }, () => { done = true; });
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('VerifiedDirectReads', () => {
  it('reads every payload byte of a large frame with a posted recv in place, for many read sizes', async () => {
    const payloads = [randomBytes(1 << 20), randomBytes(300_000), randomBytes(IN_PLACE_MIN_BYTES)];
    const stream = sealedFrames(payloads);
    for (const readBytes of [1, 97, 4096, 65_536, 1 << 20]) {
      const { receiver, reads, fatal, deliver } = simulated(readBytes);
      const into = payloads.map((p) => new Uint8Array(p.byteLength));
      const reading = deliver(stream);
      for (let part = 0; part < payloads.length; part++) await receiver.recv(tag(part), into[part]);
      await reading;
      assert.equal(fatal.length, 0);
      payloads.forEach((p, part) => assert.ok(Buffer.from(into[part]).equals(p), `read size ${readBytes}: frame ${part}`));
      const payloadBytes = payloads.reduce((n, p) => n + p.byteLength, 0);
      assert.equal(reads.counts.direct, payloadBytes, `read size ${readBytes}: every payload byte in place`);
    }
  });

  it('delivers small frames and frames that arrive before their recv through the opener, in order', async () => {
    const payloads = [randomBytes(100), randomBytes(200_000), randomBytes(0), randomBytes(70_000)];
    const { receiver, reads, fatal, deliver } = simulated(50_000);
    await deliver(sealedFrames(payloads)); // no recv posted yet: every frame is queued
    for (let part = 0; part < payloads.length; part++) {
      const into = new Uint8Array(payloads[part].byteLength);
      await receiver.recv(tag(part), into);
      assert.ok(Buffer.from(into).equals(payloads[part]), `frame ${part}`);
    }
    assert.equal(fatal.length, 0);
    assert.equal(reads.counts.direct, 0);
  });

  it('completes a recv only once the record holding its last byte verified', async () => {
    const payload = randomBytes(600_000);
    const stream = sealedFrames([payload]);
    const { receiver, reads, deliver } = simulated(8192);
    const into = new Uint8Array(payload.byteLength);
    const done = receiver.recv(tag(0), into);
    await deliver(stream, stream.length - 1); // all but the last byte of the last tag
    assert.equal(await settled(done), false, 'the payload is in place but its last record is not verified yet');
    assert.ok(reads.counts.direct > payload.byteLength - 4096, 'the payload was read in place');
    await deliver(stream);
    await done;
    assert.ok(Buffer.from(into).equals(payload));
  });

  it('fails the recv with code integrity when a byte read in place was altered', async () => {
    const payload = randomBytes(400_000);
    const stream = sealedFrames([payload]);
    stream[stream.length - 1000] ^= 1; // inside the last record's body, well after the header's record
    const { receiver, reads, fatal, deliver } = simulated(65_536);
    const done = receiver.recv(tag(0), new Uint8Array(payload.byteLength));
    await deliver(stream);
    await assert.rejects(done, (e: CommError) => e.code === 'integrity' && /rank 0/.test(e.message));
    assert.equal(fatal.length, 1);
    assert.ok(reads.counts.direct > 0, 'the altered byte was read in place');
  });
});
