// The record layer: after the handshake every byte travels in AES-256-GCM records, encrypted or authenticated only.
//
// Record on the wire (docs/wire-format.md, "Records"):  u32 length ‖ body (length bytes) ‖ 16-byte GCM tag.
// The length is additional authenticated data; the nonce is this direction's IV XOR its record counter (as
// TLS 1.3 builds it), never sent, so an altered, replayed, reordered, dropped or cut record fails the tag check.

import { createCipheriv, createDecipheriv, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { IntegrityError, ProtocolError, type CommErrorFields } from '../errors.js';

/** The AEAD of every record (why this one: docs/wire-format.md, "Records"). */
export const RECORD_CIPHER = 'aes-256-gcm';
/** Bytes of a record key and of a record IV (the per-direction nonce base). */
export const RECORD_KEY_BYTES = 32;
export const RECORD_IV_BYTES = 12;
/** Bytes of the record length prefix. */
export const RECORD_HEADER_BYTES = 4;
/** Bytes of the GCM tag closing every record. */
export const RECORD_TAG_BYTES = 16;
/**
 * Largest record body: a default 256 KiB collective chunk plus its 32-byte frame header fit in one record.
 * Every record costs a cipher context, a tag and several allocations in node:crypto (about 5–10 µs a side,
 * docs/wire-format.md), so records are as large as a frame; the receiver still decrypts each socket chunk as
 * it arrives and holds at most one record unverified.
 */
export const MAX_RECORD_BYTES = 257 * 1024;

/**
 * Most bytes encrypted per update() call. Each call allocates its output (twice: docs/wire-format.md), and
 * outputs this size stay in the caches and under malloc's mmap threshold, where larger ones page-fault.
 */
const UPDATE_SLICE_BYTES = 64 * 1024;

/**
 * Smallest rest of a message (after its first piece) for which an `integrity` sealer puts the first piece in a
 * record of its own: one more record (a few µs) is worth it only when the rest is large enough to be read in place.
 */
export const IN_PLACE_MIN_BYTES = 64 * 1024;

/** The key and IV of one direction of a connection. */
export interface DirectionKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/** The per-direction record keys of one connection (handshake.ts derives them). */
export interface RecordKeys {
  send: DirectionKeys;
  receive: DirectionKeys;
}

/** Record nonces of one direction: the IV XOR the record counter, a big-endian uint64 in the last 8 bytes. */
class NonceSequence {
  private counter = 0;
  private readonly nonce: Buffer;

  constructor(private readonly iv: Uint8Array) {
    this.nonce = Buffer.from(iv);
  }

  /** The next record's nonce (the same buffer, rewritten: the cipher copies it). */
  next(): Buffer {
    const counter = this.counter++;
    const high = Math.floor(counter / 0x1_0000_0000);
    const low = counter >>> 0;
    const iv = this.iv;
    this.nonce.writeUInt32BE((((iv[4] << 24) | (iv[5] << 16) | (iv[6] << 8) | iv[7]) ^ high) >>> 0, 4);
    this.nonce.writeUInt32BE((((iv[8] << 24) | (iv[9] << 16) | (iv[10] << 8) | iv[11]) ^ low) >>> 0, 8);
    return this.nonce;
  }
}

/** Turns the outgoing byte stream of one connection into records. */
export class RecordSealer {
  private readonly nonces: NonceSequence;

  constructor(
    private readonly mode: 'encrypt' | 'integrity',
    private readonly keys: DirectionKeys,
  ) {
    this.nonces = new NonceSequence(keys.iv);
  }

  /**
   * The records of `pieces` (their bytes in order, at most MAX_RECORD_BYTES per record), sealed one at a
   * time when `next()` is called, so the caller can write each while the following one is still plain.
   * In `integrity` mode the caller's pieces are emitted as they are (no copy), so they must stay unchanged
   * until written; `encrypt` emits ciphertext buffers. Records must be written in the order sealed, and
   * each sequence must be read to its end before the next one is started.
   */
  records(pieces: readonly Uint8Array[]): RecordSequence {
    let remaining = pieces.reduce((n, p) => n + p.byteLength, 0);
    let index = 0;
    let offset = 0;
    // `integrity`: a large message's first piece (a frame header) travels alone, so the receiver knows where the
    // payload goes once that small record verified, and reads every later record in place (verified-direct-reads.ts).
    const headerAlone = this.mode === 'integrity' && pieces.length > 1 && remaining - pieces[0].byteLength >= IN_PLACE_MIN_BYTES;
    let first = true;
    const next = (): Uint8Array[] | null => {
      if (remaining === 0) return null;
      const length = first && headerAlone ? pieces[0].byteLength : Math.min(remaining, MAX_RECORD_BYTES);
      first = false;
      const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
      header.writeUInt32LE(length, 0);
      const cipher = createCipheriv(RECORD_CIPHER, this.keys.key, this.nonces.next()) as CipherGCM;
      cipher.setAAD(header);
      const record: Uint8Array[] = [header];
      for (let left = length; left > 0;) {
        const piece = pieces[index];
        const take = Math.min(left, piece.byteLength - offset, this.mode === 'encrypt' ? UPDATE_SLICE_BYTES : Infinity);
        const view = offset === 0 && take === piece.byteLength ? piece : piece.subarray(offset, offset + take);
        if (this.mode === 'encrypt') record.push(cipher.update(view));
        else {
          cipher.setAAD(view);
          record.push(view);
        }
        left -= take;
        offset += take;
        if (offset === piece.byteLength) {
          index++;
          offset = 0;
        }
      }
      cipher.final();
      record.push(cipher.getAuthTag());
      remaining -= length;
      return record;
    };
    return { next, get done() { return remaining === 0; } };
  }

  /** Seals all of `pieces` at once (records(), read to the end): each record's buffers, in order. */
  seal(pieces: readonly Uint8Array[]): Uint8Array[][] {
    const out: Uint8Array[][] = [];
    const sequence = this.records(pieces);
    for (let record = sequence.next(); record !== null; record = sequence.next()) out.push(record);
    return out;
  }
}

/** The records of one message, sealed on demand (RecordSealer.records). */
export interface RecordSequence {
  /** Seals and returns the next record's buffers (length, body pieces, tag), or null after the last. */
  next(): Uint8Array[] | null;
  /** True once every record has been returned. */
  readonly done: boolean;
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
  private readonly nonces: NonceSequence;
  private state = State.Header;
  private readonly headerBytes = Buffer.alloc(RECORD_HEADER_BYTES);
  private readonly tag = Buffer.alloc(RECORD_TAG_BYTES);
  private fill = 0;
  private bodyLeft = 0;
  private held: Uint8Array[] = [];
  private decipher: DecipherGCM | null = null;
  private failure: IntegrityError | null = null;
  /** Body bytes of the current record the reader wrote in place (authenticateInPlace), not yet delivered. */
  private inPlace = 0;
  private deliverInPlace: ((n: number) => void) | null = null;

  constructor(
    private readonly mode: 'encrypt' | 'integrity',
    private readonly keys: DirectionKeys,
    /** Verified plaintext, in order. */
    private readonly deliver: (plain: Uint8Array) => void,
    /** Who sends these records, for the error message, e.g. "rank 1" or "the rendezvous store". */
    private readonly sender: string,
    private readonly fields: CommErrorFields = {},
  ) {
    this.nonces = new NonceSequence(keys.iv);
  }

  /** True while a record is partly received: the stream must not end here. */
  get midRecord(): boolean {
    return this.state !== State.Header || this.fill > 0;
  }

  /**
   * Lets the reader place body bytes itself (`integrity` only): it writes them straight into their destination
   * and passes them to authenticateInPlace; once their record's tag checks, `deliver(n)` says that the next `n`
   * bytes of the stream are in place and authentic, before the record's other bytes go to the deliver callback.
   */
  readInPlace(deliver: (n: number) => void): void {
    if (this.mode !== 'integrity') throw new ProtocolError('internal: in-place reads need integrity records (encrypt must decrypt)');
    this.deliverInPlace = deliver;
  }

  /**
   * When a record's length or tag comes next (bytes copied out of any chunk at once): the bytes missing from it,
   * and after a tag the next record's length too, so that one read takes both. 0 in a body or once failed.
   */
  get fixedBytesAhead(): number {
    if (this.state === State.Header) return RECORD_HEADER_BYTES - this.fill;
    if (this.state === State.Tag) return RECORD_TAG_BYTES - this.fill + RECORD_HEADER_BYTES;
    return 0;
  }

  /** Bytes missing from the current record's body (0 outside a body). */
  get bodyBytesLeft(): number {
    return this.state === State.Body ? this.bodyLeft : 0;
  }

  /**
   * Body bytes the reader may place itself now (readInPlace): the rest of the current record's body, unless part
   * of it went through `push` (those bytes are delivered at the record's end and must stay ahead in the stream).
   */
  get inPlaceBytesAllowed(): number {
    return this.deliverInPlace !== null && this.state === State.Body && this.held.length === 0 ? this.bodyLeft : 0;
  }

  /** Bytes of the current record placed by the reader and not yet delivered (their record is still unverified). */
  get unverifiedInPlaceBytes(): number {
    return this.inPlace;
  }

  /** The reader placed `bytes` (the next body bytes, at most inPlaceBytesAllowed): adds them to the record's check. */
  authenticateInPlace(bytes: Uint8Array): void {
    if (this.failure !== null) throw this.failure;
    if (bytes.byteLength > this.inPlaceBytesAllowed) throw new ProtocolError(`internal: ${bytes.byteLength} bytes placed in place, ${this.inPlaceBytesAllowed} allowed`);
    this.decipher!.setAAD(bytes);
    this.inPlace += bytes.byteLength;
    this.bodyLeft -= bytes.byteLength;
    if (this.bodyLeft === 0) this.state = State.Tag;
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

  /**
   * The stream ended: throws IntegrityError when it ended inside a record (the record was cut). A sender
   * killed mid-record ends its stream exactly like a cut in transit, so the text names both.
   */
  end(): void {
    if (this.failure === null && this.midRecord) {
      throw this.failWith(`the connection from ${this.sender} ended in the middle of a record: that process died while ` +
        'sending (it exited, crashed or was killed), or a host on the network path cut the stream');
    }
  }

  private beginRecord(): void {
    const length = this.headerBytes.readUInt32LE(0);
    if (length > MAX_RECORD_BYTES) throw this.fail(`a record declares ${length} bytes, over the ${MAX_RECORD_BYTES}-byte maximum`);
    this.decipher = createDecipheriv(RECORD_CIPHER, this.keys.key, this.nonces.next()) as DecipherGCM;
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
    const inPlace = this.inPlace;
    this.held = [];
    this.inPlace = 0;
    this.state = State.Header;
    if (inPlace > 0) this.deliverInPlace!(inPlace);
    for (const piece of held) if (piece.byteLength > 0) this.deliver(piece);
  }

  private fail(what: string): IntegrityError {
    return this.failWith(`data from ${this.sender} is not authentic: ${what}. A host on the network path changed it, or ` +
      'a network device corrupted it; run on a network you trust or find the faulty link');
  }

  /** Fails the opener for good: every later push throws the same error. */
  private failWith(message: string): IntegrityError {
    this.state = State.Failed;
    this.held = [];
    this.inPlace = 0;
    this.decipher = null;
    this.failure = new IntegrityError(message, this.fields);
    return this.failure;
  }
}
