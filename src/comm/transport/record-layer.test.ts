// Tests of the record layer: round trips in both modes, and every kind of tampering is an IntegrityError.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { CommError } from '../errors.js';
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES, RECORD_KEY_BYTES, RECORD_TAG_BYTES, RecordOpener, RecordSealer, type DirectionKeys } from './record-layer.js';

const keys: DirectionKeys = { key: randomBytes(RECORD_KEY_BYTES), iv: randomBytes(12) };

/** Seals `messages` and returns each record as one buffer. */
function sealRecords(mode: 'encrypt' | 'integrity', messages: Uint8Array[][]): Buffer[] {
  const sealer = new RecordSealer(mode, keys);
  const records: Buffer[] = [];
  for (const pieces of messages) {
    for (const record of sealer.seal(pieces)) {
      const bytes = Buffer.concat(record);
      assert.equal(bytes.length, RECORD_HEADER_BYTES + bytes.readUInt32LE(0) + RECORD_TAG_BYTES, 'one record per entry');
      records.push(bytes);
    }
  }
  return records;
}

function opener(mode: 'encrypt' | 'integrity'): { open: RecordOpener; received: () => Buffer } {
  const got: Uint8Array[] = [];
  const open = new RecordOpener(mode, keys, (b) => got.push(Buffer.from(b)), 'rank 1', { rank: 0, peer: 1 });
  return { open, received: () => Buffer.concat(got) };
}

/** Feeds `bytes` in chunks of varying sizes, as a socket would. */
function feed(open: RecordOpener, bytes: Buffer): void {
  for (let at = 0, step = 1; at < bytes.length; at += step, step = (step * 7 + 3) % 70_001) {
    open.push(bytes.subarray(at, at + step));
  }
}

const isIntegrity = (e: CommError): boolean => e.code === 'integrity' && /rank 1/.test(e.message) && e.peer === 1;

for (const mode of ['encrypt', 'integrity'] as const) {
  describe(`record layer (${mode})`, () => {
    it('delivers exactly the sealed bytes, across records and arbitrary chunk boundaries', () => {
      const header = randomBytes(32);
      const payload = randomBytes(MAX_RECORD_BYTES * 2 + 12345);
      const small = randomBytes(7);
      const records = sealRecords(mode, [[header, payload], [small]]);
      // `integrity` seals a large message's first piece (the frame header) alone, so its payload can be read in place.
      const expected = mode === 'integrity' ? [32, MAX_RECORD_BYTES, MAX_RECORD_BYTES, 12345, 7] : [MAX_RECORD_BYTES, MAX_RECORD_BYTES, 12377, 7];
      assert.deepEqual(records.map((r) => r.readUInt32LE(0)), expected);
      const { open, received } = opener(mode);
      feed(open, Buffer.concat(records));
      open.end();
      assert.ok(received().equals(Buffer.concat([header, payload, small])));
      assert.equal(open.midRecord, false);
    });

    it(mode === 'encrypt' ? 'hides the bytes on the wire' : 'sends the bytes in clear, tagged', () => {
      const secret = Buffer.from('a recognisable plaintext that must not appear on the wire'.repeat(20));
      const wire = Buffer.concat(sealRecords(mode, [[secret]]));
      assert.equal(wire.includes(secret), mode === 'integrity');
    });

    const tampered: Array<[string, (records: Buffer[]) => Buffer[]]> = [
      ['one altered byte', (r) => { const c = Buffer.from(r[1]); c[c.length >> 1] ^= 1; return [r[0], c, r[2]]; }],
      ['an altered length', (r) => { const c = Buffer.from(r[1]); c[0] ^= 1; return [r[0], c, r[2]]; }],
      ['a replayed record', (r) => [r[0], r[1], r[1], r[2]]],
      ['reordered records', (r) => [r[0], r[2], r[1]]],
      ['a dropped record', (r) => [r[0], r[2]]],
    ];
    for (const [what, change] of tampered) {
      it(`fails with code integrity on ${what}, and hands on nothing after it`, () => {
        const messages = [[randomBytes(100)], [randomBytes(5000)], [randomBytes(100)]];
        const records = sealRecords(mode, messages);
        const { open, received } = opener(mode);
        assert.throws(() => feed(open, Buffer.concat(change(records))), isIntegrity);
        const sent = Buffer.concat(messages.flat());
        const got = received();
        assert.ok(got.length < sent.length && got.equals(sent.subarray(0, got.length)), 'only authentic records before the tampering were delivered');
        assert.throws(() => open.push(Buffer.alloc(1)), isIntegrity, 'the opener stays failed');
      });
    }

    it('fails with code integrity when the stream ends inside a record', () => {
      const [record] = sealRecords(mode, [[randomBytes(1000)]]);
      const { open, received } = opener(mode);
      open.push(record.subarray(0, record.length - 1));
      assert.throws(() => open.end(), (e: CommError) => isIntegrity(e) && /ended in the middle of a record: that process died while sending .* or a host on the network path cut the stream/.test(e.message));
      assert.equal(received().length, 0);
    });

    it('refuses a record declaring more than the maximum before holding any of it', () => {
      const header = Buffer.alloc(RECORD_HEADER_BYTES);
      header.writeUInt32LE(MAX_RECORD_BYTES + 1, 0);
      const { open } = opener(mode);
      assert.throws(() => open.push(header), isIntegrity);
    });

    it('records sealed with another key fail', () => {
      const [record] = sealRecords(mode, [[randomBytes(64)]]);
      const other = new RecordOpener(mode, { key: randomBytes(RECORD_KEY_BYTES), iv: keys.iv }, () => {}, 'rank 1', { rank: 0, peer: 1 });
      assert.throws(() => other.push(record), isIntegrity);
    });
  });
}
