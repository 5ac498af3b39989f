// Tests of the frame header codec and the incremental decoder: whole streams, every split offset, malformed input.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder, type FrameSink } from './frame-decoder.js';
import { FRAME_HEADER_BYTES, FRAME_MAGIC, PROTOCOL_VERSION, frameHeaderBytes, parseFrameHeader, type FrameHeader } from './frame.js';

interface Received { header: FrameHeader; payload: Uint8Array }

/** A sink that asks for a target buffer for even `part`s and takes pieces for odd ones: both paths run. */
function collectingSink(out: Received[]): FrameSink {
  let target: Uint8Array | null = null;
  let pieces: Uint8Array[] = [];
  return {
    onHeader(header) {
      pieces = [];
      target = header.part % 2 === 0 ? new Uint8Array(header.payloadLength) : null;
      return target;
    },
    onPayloadPiece(piece) { pieces.push(Uint8Array.from(piece)); },
    onFrameEnd(header) {
      out.push({ header, payload: target ?? new Uint8Array(Buffer.concat(pieces)) });
    },
  };
}

function frame(h: Omit<FrameHeader, 'payloadLength'>, payload: Uint8Array): Buffer {
  return Buffer.concat([frameHeaderBytes({ ...h, payloadLength: payload.byteLength }), payload]);
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

const frames = [
  { h: { op: 1, seq: 7, part: 0, sender: 3, dtype: 1 }, p: bytes(40, 1) },
  { h: { op: 2, seq: 0xffffffff, part: 1, sender: 3, dtype: 2 }, p: bytes(0, 2) },
  { h: { op: 3, seq: 8, part: 2, sender: 3, dtype: 6 }, p: bytes(1, 3) },
  { h: { op: 65, seq: 0, part: 3, sender: 3, dtype: 0 }, p: bytes(77, 4) },
];
const stream = Buffer.concat(frames.map((f) => frame(f.h, f.p)));

function checkAll(got: Received[]): void {
  assert.equal(got.length, frames.length);
  frames.forEach((f, i) => {
    assert.deepEqual(got[i].header, { ...f.h, payloadLength: f.p.byteLength });
    assert.deepEqual(got[i].payload, f.p);
  });
}

describe('frame header', () => {
  it('round-trips every field, including lengths above 2^32', () => {
    const h: FrameHeader = { op: 0xffff, seq: 0xfffffffe, part: 12345, sender: 7, dtype: 0xffff, payloadLength: 2 ** 40 + 5 };
    const b = frameHeaderBytes(h);
    assert.equal(b.byteLength, FRAME_HEADER_BYTES);
    assert.equal(b.readUInt32LE(0), FRAME_MAGIC);
    assert.equal(b.toString('latin1', 0, 4), 'LCUB');
    assert.equal(b.readUInt16LE(4), PROTOCOL_VERSION);
    assert.deepEqual(parseFrameHeader(b, 0, 2 ** 41), h);
  });

  it('refuses a payload length that is not a safe integer', () => {
    assert.throws(() => frameHeaderBytes({ op: 1, seq: 0, part: 0, sender: 0, dtype: 1, payloadLength: -1 }), { code: 'protocol' });
    assert.throws(() => frameHeaderBytes({ op: 1 << 16, seq: 0, part: 0, sender: 0, dtype: 1, payloadLength: 0 }), { code: 'protocol' });
  });
});

describe('FrameDecoder', () => {
  it('decodes a whole stream pushed at once', () => {
    const got: Received[] = [];
    new FrameDecoder(collectingSink(got), 1 << 20).push(stream);
    checkAll(got);
  });

  it('decodes the stream fed byte by byte', () => {
    const got: Received[] = [];
    const d = new FrameDecoder(collectingSink(got), 1 << 20);
    for (let i = 0; i < stream.length; i++) d.push(stream.subarray(i, i + 1));
    checkAll(got);
  });

  it('decodes the stream split at every offset, and at every pair of offsets', () => {
    for (let i = 0; i <= stream.length; i++) {
      const got: Received[] = [];
      const d = new FrameDecoder(collectingSink(got), 1 << 20);
      d.push(stream.subarray(0, i));
      d.push(stream.subarray(i));
      checkAll(got);
    }
    for (let i = 0; i <= stream.length; i += 3) {
      for (let j = i; j <= stream.length; j += 5) {
        const got: Received[] = [];
        const d = new FrameDecoder(collectingSink(got), 1 << 20);
        d.push(stream.subarray(0, i));
        d.push(stream.subarray(i, j));
        d.push(stream.subarray(j));
        checkAll(got);
      }
    }
  });

  it('reports payload progress and can redirect the rest of a payload', () => {
    const payload = bytes(100, 9);
    const wire = frame({ op: 1, seq: 1, part: 1, sender: 0, dtype: 6 }, payload);
    const pieces: Uint8Array[] = [];
    let ended = 0;
    const d = new FrameDecoder({
      onHeader: () => null,
      onPayloadPiece: (p) => pieces.push(p),
      onFrameEnd: () => { ended++; },
    }, 1000);
    d.push(wire.subarray(0, FRAME_HEADER_BYTES + 30));
    assert.equal(d.inPayload, true);
    assert.equal(d.payloadReceived, 30);
    const into = new Uint8Array(100);
    into.set(Buffer.concat(pieces));
    d.redirect(into);
    d.push(wire.subarray(FRAME_HEADER_BYTES + 30));
    assert.equal(ended, 1);
    assert.equal(pieces.length, 1);
    assert.deepEqual(into, payload);
    assert.equal(d.inPayload, false);
  });

  function malformed(mutate: (b: Buffer) => void, maxFrameBytes = 1 << 20): unknown {
    const b = frame({ op: 1, seq: 0, part: 0, sender: 0, dtype: 1 }, bytes(8, 0));
    mutate(b);
    const got: Received[] = [];
    const d = new FrameDecoder(collectingSink(got), maxFrameBytes);
    let error: unknown;
    // Byte by byte: the error must come from the header, wherever the chunk boundaries fall.
    try { for (let i = 0; i < b.length; i++) d.push(b.subarray(i, i + 1)); } catch (e) { error = e; }
    assert.equal(got.length, 0, 'nothing is delivered from a malformed frame');
    assert.throws(() => d.push(b), (e) => e === error, 'a failed decoder keeps failing with the same error');
    return error;
  }

  it('rejects bad magic, another version, reserved flags and oversize lengths with code protocol', () => {
    const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
      ['magic', (b) => { b[0] = 0x47; }, /magic/],
      ['version', (b) => { b.writeUInt16LE(PROTOCOL_VERSION + 1, 4); }, new RegExp(`version ${PROTOCOL_VERSION + 1}`)],
      ['flags', (b) => { b.writeUInt16LE(1, 22); }, /flags/],
      ['length', (b) => { b.writeUInt32LE(1 << 20 | 1, 24); }, /over the cap/],
      ['length above 2^53', (b) => { b.writeUInt32LE(0xffffffff, 28); }, /over the cap/],
    ];
    for (const [name, mutate, message] of cases) {
      const error = malformed(mutate) as { code: string; message: string };
      assert.equal(error?.code, 'protocol', name);
      assert.match(error.message, message, name);
    }
  });

  it('checks the cap before storing any payload byte', () => {
    const header = frameHeaderBytes({ op: 1, seq: 0, part: 0, sender: 0, dtype: 1, payloadLength: 1001 });
    let headers = 0;
    const d = new FrameDecoder({ onHeader: () => { headers++; return null; }, onPayloadPiece() {}, onFrameEnd() {} }, 1000);
    assert.throws(() => d.push(header), { code: 'protocol' });
    assert.equal(headers, 0);
  });

  it('fails when the sink throws, and stays failed', () => {
    const wire = frame({ op: 1, seq: 0, part: 0, sender: 0, dtype: 1 }, bytes(4, 0));
    const boom = new Error('sink says no');
    const d = new FrameDecoder({ onHeader: () => { throw boom; }, onPayloadPiece() {}, onFrameEnd() {} }, 100);
    assert.throws(() => d.push(wire), (e) => e === boom);
    assert.throws(() => d.push(wire), (e) => e === boom);
  });
});
