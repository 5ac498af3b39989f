// The record layer: after the handshake every byte travels in AES-256-GCM records, encrypted or authenticated only.
//
// Record on the wire (docs/wire-format.md, "Records"):  u32 length ‖ body (length bytes) ‖ 16-byte GCM tag.
// The length is additional authenticated data; the nonce is this direction's record counter, never sent,
// so an altered, replayed, reordered, dropped or cut record fails the tag check of the receiver.

import { createCipheriv, createDecipheriv, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { IntegrityError, type CommErrorFields } from '../errors.js';

/** Bytes of the record length prefix. */
export const RECORD_HEADER_BYTES = 4;
/** Bytes of the GCM tag closing every record. */
export const RECORD_TAG_BYTES = 16;
/** Largest record body: large enough that per-record work is negligible, small enough to hold one unverified. */
export const MAX_RECORD_BYTES = 2 ** 20;

/** The per-direction AES-256 keys of one connection (handshake.ts derives them). */
export interface RecordKeys {
  send: Uint8Array;
  receive: Uint8Array;
}

/** Nonce of record `counter`: the counter as a little-endian uint64, then 4 zero bytes. */
function recordNonce(counter: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32LE(counter % 0x1_0000_0000, 0);
  nonce.writeUInt32LE(Math.floor(counter / 0x1_0000_0000), 4);
  return nonce;
}

/** Turns the outgoing byte stream of one connection into records. */
export class RecordSealer {
  private counter = 0;

  constructor(
    private readonly mode: 'encrypt' | 'integrity',
    private readonly key: Uint8Array,
  ) {}

  /**
   * Seals the bytes of `pieces`, in order, into records of at most MAX_RECORD_BYTES and returns the
   * buffers to write, in order. In `integrity` mode the caller's pieces are returned as they are (no
   * copy), so they must stay unchanged until written; `encrypt` returns ciphertext buffers.
   * Records must be written in the order they were sealed.
   */
  seal(pieces: readonly Uint8Array[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    let remaining = pieces.reduce((n, p) => n + p.byteLength, 0);
    let index = 0;
    let offset = 0;
    while (remaining > 0) {
      const length = Math.min(remaining, MAX_RECORD_BYTES);
      const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
      header.writeUInt32LE(length, 0);
      const cipher = createCipheriv('aes-256-gcm', this.key, recordNonce(this.counter++)) as CipherGCM;
      cipher.setAAD(header);
      out.push(header);
      for (let left = length; left > 0;) {
        const piece = pieces[index];
        const take = Math.min(left, piece.byteLength - offset);
        const view = offset === 0 && take === piece.byteLength ? piece : piece.subarray(offset, offset + take);
        if (this.mode === 'encrypt') out.push(cipher.update(view));
        else {
          cipher.setAAD(view);
          out.push(view);
        }
        left -= take;
        offset += take;
        if (offset === piece.byteLength) {
          index++;
          offset = 0;
        }
      }
      cipher.final();
      out.push(cipher.getAuthTag());
      remaining -= length;
    }
    return out;
  }
}

const enum State {
  Header,
  Body,
  Tag,
  Failed,
}

/**
 * Checks the incoming records of one connection and hands on their bodies, only once verified: nothing
 * an attacker altered ever reaches the frame parser. `integrity` mode hands on views of the socket
 * chunks (no copy); `encrypt` the decrypted bytes. At most one record (MAX_RECORD_BYTES) is held.
 */
export class RecordOpener {
  private counter = 0;
  private state = State.Header;
  private readonly headerBytes = Buffer.alloc(RECORD_HEADER_BYTES);
  private readonly tag = Buffer.alloc(RECORD_TAG_BYTES);
  private fill = 0;
  private bodyLeft = 0;
  private held: Uint8Array[] = [];
  private decipher: DecipherGCM | null = null;
  private failure: IntegrityError | null = null;

  constructor(
    private readonly mode: 'encrypt' | 'integrity',
    private readonly key: Uint8Array,
    /** Verified plaintext, in order. */
    private readonly deliver: (plain: Uint8Array) => void,
    /** Who sends these records, for the error message, e.g. "rank 1" or "the rendezvous store". */
    private readonly sender: string,
    private readonly fields: CommErrorFields = {},
  ) {}

  /** True while a record is partly received: the stream must not end here. */
  get midRecord(): boolean {
    return this.state !== State.Header || this.fill > 0;
  }

  /** Parses `chunk`. Throws IntegrityError when a record fails its check; the opener then stays failed. */
  push(chunk: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    let pos = 0;
    while (pos < chunk.byteLength) {
      if (this.state === State.Header) {
        while (this.fill < RECORD_HEADER_BYTES && pos < chunk.byteLength) this.headerBytes[this.fill++] = chunk[pos++];
        if (this.fill < RECORD_HEADER_BYTES) return;
        this.fill = 0;
        this.beginRecord();
      } else if (this.state === State.Body) {
        const n = Math.min(this.bodyLeft, chunk.byteLength - pos);
        const piece = pos === 0 && n === chunk.byteLength ? chunk : chunk.subarray(pos, pos + n);
        if (this.mode === 'encrypt') this.held.push(this.decipher!.update(piece));
        else {
          this.decipher!.setAAD(piece);
          this.held.push(piece);
        }
        pos += n;
        this.bodyLeft -= n;
        if (this.bodyLeft === 0) this.state = State.Tag;
      } else if (this.state === State.Tag) {
        while (this.fill < RECORD_TAG_BYTES && pos < chunk.byteLength) this.tag[this.fill++] = chunk[pos++];
        if (this.fill < RECORD_TAG_BYTES) return;
        this.fill = 0;
        this.endRecord();
      } else {
        throw this.failure;
      }
    }
  }

  /** The stream ended: throws IntegrityError when it ended inside a record (the record was cut). */
  end(): void {
    if (this.failure === null && this.midRecord) throw this.fail('the connection ended in the middle of a record (truncated in transit)');
  }

  private beginRecord(): void {
    const length = this.headerBytes.readUInt32LE(0);
    if (length > MAX_RECORD_BYTES) throw this.fail(`a record declares ${length} bytes, over the ${MAX_RECORD_BYTES}-byte maximum`);
    this.decipher = createDecipheriv('aes-256-gcm', this.key, recordNonce(this.counter++)) as DecipherGCM;
    this.decipher.setAAD(this.headerBytes);
    this.bodyLeft = length;
    this.state = length === 0 ? State.Tag : State.Body;
  }

  private endRecord(): void {
    const decipher = this.decipher!;
    this.decipher = null;
    try {
      decipher.setAuthTag(this.tag);
      decipher.final();
    } catch {
      throw this.fail('a record failed its authentication check (altered, replayed, reordered or dropped in transit)');
    }
    const held = this.held;
    this.held = [];
    this.state = State.Header;
    for (const piece of held) if (piece.byteLength > 0) this.deliver(piece);
  }

  private fail(what: string): IntegrityError {
    this.state = State.Failed;
    this.held = [];
    this.decipher = null;
    this.failure = new IntegrityError(
      `data from ${this.sender} is not authentic: ${what}. A host on the network path changed it, or a network ` +
        `device corrupted it; run on a network you trust or find the faulty link`,
      this.fields,
    );
    return this.failure;
  }
}
