// Rendezvous store messages: request and reply payloads carried in frames (docs/wire-format.md, "Rendezvous store protocol").
//
// A request is a frame with op storeSet/storeGet/storeAdd/storeWait, seq = request id, sender = the
// client's rank; the reply is a storeReply frame with the same seq. Payload layouts (little-endian):
//   key      = u16 byteLength ‖ UTF-8 bytes
//   set      = key ‖ value bytes (the rest of the payload)
//   get      = u32 timeoutMs ‖ key                      → ok: the value
//   add      = f64 delta ‖ key                          → ok: f64 new value
//   wait     = u32 timeoutMs ‖ u16 count ‖ count × key  → ok: empty
//   cas      = u8 hasExpected ‖ [32-byte SHA-256 of the expected value] ‖ key ‖ new value
//                                                      → ok: u8 written ‖ u8 present ‖ the value now stored
//   reply    = u8 status ‖ body; status 0 ok, 1 timeout (body = u16 count ‖ missing keys), 2 error (body = UTF-8 text)

import { ProtocolError } from '../errors.js';
import { CONTROL_OPS, FRAME_HEADER_BYTES, frameHeaderBytes } from '../transport/frame.js';

/** Longest key in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

export const STORE_STATUS = { ok: 0, timeout: 1, error: 2 } as const;

export type StoreRequest =
  | { kind: 'set'; key: string; value: Uint8Array }
  | { kind: 'get'; key: string; timeoutMs: number }
  | { kind: 'add'; key: string; delta: number }
  | { kind: 'wait'; keys: string[]; timeoutMs: number }
  /** Stores `value` only if the key's current value hashes to `expected` (SHA-256), or, with no `expected`, is unset. */
  | { kind: 'cas'; key: string; expected: Uint8Array | undefined; value: Uint8Array };

export type StoreReply =
  | { status: 'ok'; body: Uint8Array }
  | { status: 'timeout'; missingKeys: string[] }
  | { status: 'error'; message: string };

const REQUEST_OPS = { set: CONTROL_OPS.storeSet, get: CONTROL_OPS.storeGet, add: CONTROL_OPS.storeAdd, wait: CONTROL_OPS.storeWait, cas: CONTROL_OPS.storeCas } as const;

/** Bytes of the SHA-256 digest a cas request compares. */
export const CAS_DIGEST_BYTES = 32;

/** One frame (header ‖ payload) carrying `request` with request id `id`. */
export function encodeRequest(request: StoreRequest, id: number, senderRank: number): Buffer {
  const w = new Writer();
  switch (request.kind) {
    case 'set': w.key(request.key); w.bytes(request.value); break;
    case 'get': w.u32(request.timeoutMs); w.key(request.key); break;
    case 'add': w.f64(request.delta); w.key(request.key); break;
    case 'wait': w.u32(request.timeoutMs); w.u16(request.keys.length); for (const k of request.keys) w.key(k); break;
    case 'cas':
      w.u8(request.expected === undefined ? 0 : 1);
      if (request.expected !== undefined) w.bytes(checkDigest(request.expected));
      w.key(request.key);
      w.bytes(request.value);
      break;
  }
  return w.frame(REQUEST_OPS[request.kind], id, senderRank);
}

/** Parses a request payload; throws ProtocolError on an unknown op or a truncated or overlong payload. */
export function decodeRequest(op: number, payload: Uint8Array): StoreRequest {
  const r = new Reader(payload);
  let request: StoreRequest;
  switch (op) {
    case CONTROL_OPS.storeSet: { const key = r.key(); request = { kind: 'set', key, value: r.rest() }; break; }
    case CONTROL_OPS.storeGet: { const timeoutMs = r.u32(); request = { kind: 'get', timeoutMs, key: r.key() }; break; }
    case CONTROL_OPS.storeAdd: { const delta = r.f64(); request = { kind: 'add', delta, key: r.key() }; break; }
    case CONTROL_OPS.storeWait: {
      const timeoutMs = r.u32();
      const keys = Array.from({ length: r.u16() }, () => r.key());
      request = { kind: 'wait', timeoutMs, keys };
      break;
    }
    case CONTROL_OPS.storeCas: {
      const expected = r.u8() === 1 ? r.take(CAS_DIGEST_BYTES) : undefined;
      const key = r.key();
      request = { kind: 'cas', expected, key, value: r.rest() };
      break;
    }
    default: throw new ProtocolError(`unknown store request op ${op}`, { op: 'store' });
  }
  r.end();
  return request;
}

/** One storeReply frame answering request `id`. */
export function encodeReply(reply: StoreReply, id: number, senderRank: number): Buffer {
  const w = new Writer();
  if (reply.status === 'ok') { w.u8(STORE_STATUS.ok); w.bytes(reply.body); }
  else if (reply.status === 'timeout') { w.u8(STORE_STATUS.timeout); w.u16(reply.missingKeys.length); for (const k of reply.missingKeys) w.key(k); }
  else { w.u8(STORE_STATUS.error); w.bytes(Buffer.from(reply.message.slice(0, 4000), 'utf8')); }
  return w.frame(CONTROL_OPS.storeReply, id, senderRank);
}

/** Parses a reply payload; throws ProtocolError when malformed. */
export function decodeReply(payload: Uint8Array): StoreReply {
  const r = new Reader(payload);
  const status = r.u8();
  if (status === STORE_STATUS.ok) return { status: 'ok', body: r.rest() };
  if (status === STORE_STATUS.timeout) {
    const missingKeys = Array.from({ length: r.u16() }, () => r.key());
    r.end();
    return { status: 'timeout', missingKeys };
  }
  if (status === STORE_STATUS.error) return { status: 'error', message: Buffer.from(r.rest()).toString('utf8') };
  throw new ProtocolError(`unknown store reply status ${status}`, { op: 'store' });
}

/** Encodes an add result / counter value. */
export function encodeF64(value: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value, 0);
  return b;
}

export function decodeF64(bytes: Uint8Array): number {
  if (bytes.byteLength !== 8) throw new ProtocolError(`store add reply of ${bytes.byteLength} bytes, expected 8`, { op: 'store' });
  return Buffer.from(bytes.buffer, bytes.byteOffset, 8).readDoubleLE(0);
}

/** The reply body of a cas: whether it wrote, and the value now stored (undefined when the key is unset). */
export function encodeCasResult(written: boolean, value: Uint8Array | undefined): Uint8Array {
  return Buffer.concat([Buffer.of(written ? 1 : 0, value === undefined ? 0 : 1), value ?? new Uint8Array(0)]);
}

export function decodeCasResult(body: Uint8Array): { written: boolean; value: Uint8Array | undefined } {
  if (body.byteLength < 2) throw new ProtocolError(`store cas reply of ${body.byteLength} bytes, expected at least 2`, { op: 'store' });
  return { written: body[0] === 1, value: body[1] === 1 ? body.subarray(2) : undefined };
}

function checkDigest(digest: Uint8Array): Uint8Array {
  if (digest.byteLength !== CAS_DIGEST_BYTES) throw new ProtocolError(`store cas digest of ${digest.byteLength} bytes, expected ${CAS_DIGEST_BYTES}`, { op: 'store' });
  return digest;
}

/** Throws ProtocolError unless `key` is a non-empty string of at most MAX_KEY_BYTES UTF-8 bytes. */
export function checkKey(key: string): void {
  const n = Buffer.byteLength(key, 'utf8');
  if (typeof key !== 'string' || n === 0 || n > MAX_KEY_BYTES) {
    throw new ProtocolError(`store key of ${n} bytes, expected 1..${MAX_KEY_BYTES}`, { op: 'store' });
  }
}

class Writer {
  private readonly parts: Buffer[] = [];
  u8(v: number): void { this.parts.push(Buffer.of(v)); }
  u16(v: number): void { const b = Buffer.alloc(2); b.writeUInt16LE(v, 0); this.parts.push(b); }
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(Math.min(Math.max(0, Math.round(v)), 0xffffffff), 0); this.parts.push(b); }
  f64(v: number): void { const b = Buffer.alloc(8); b.writeDoubleLE(v, 0); this.parts.push(b); }
  bytes(v: Uint8Array): void { this.parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength)); }
  key(k: string): void {
    checkKey(k);
    const b = Buffer.from(k, 'utf8');
    this.u16(b.length);
    this.parts.push(b);
  }
  frame(op: number, id: number, sender: number): Buffer {
    const payloadLength = this.parts.reduce((n, p) => n + p.length, 0);
    return Buffer.concat([frameHeaderBytes({ op, seq: id, part: 0, dtype: 0, sender: sender >>> 0, payloadLength }), ...this.parts], FRAME_HEADER_BYTES + payloadLength);
  }
}

class Reader {
  private pos = 0;
  private readonly view: Buffer;
  constructor(bytes: Uint8Array) { this.view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); }
  private need(n: number): number {
    if (this.pos + n > this.view.length) throw new ProtocolError('truncated store message', { op: 'store' });
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(): number { return this.view[this.need(1)]; }
  u16(): number { return this.view.readUInt16LE(this.need(2)); }
  u32(): number { return this.view.readUInt32LE(this.need(4)); }
  f64(): number { return this.view.readDoubleLE(this.need(8)); }
  key(): string {
    const n = this.u16();
    if (n === 0 || n > MAX_KEY_BYTES) throw new ProtocolError(`store key of ${n} bytes, expected 1..${MAX_KEY_BYTES}`, { op: 'store' });
    return this.view.toString('utf8', this.need(n), this.pos);
  }
  take(n: number): Uint8Array { const at = this.need(n); return this.view.subarray(at, at + n); }
  rest(): Uint8Array { return this.view.subarray(this.need(this.view.length - this.pos)); }
  end(): void { if (this.pos !== this.view.length) throw new ProtocolError('trailing bytes in store message', { op: 'store' }); }
}
