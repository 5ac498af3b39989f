// The incremental frame parser: an explicit header → payload state machine over arbitrary socket chunks.

import { ProtocolError } from '../errors.js';
import { FRAME_HEADER_BYTES, parseFrameHeader, type FrameHeader } from './frame.js';

/** Where the decoder delivers what it parses. Calls happen synchronously inside `push`. */
export interface FrameSink {
  /**
   * A complete, valid header arrived. Return the buffer the payload is copied into (exactly
   * `header.payloadLength` bytes; the decoder writes it from offset 0), or null to receive the payload
   * as pieces through `onPayloadPiece`. May throw (e.g. a MismatchError); the decoder then fails.
   */
  onHeader(header: FrameHeader): Uint8Array | null;
  /**
   * A piece of payload of the current frame, when `onHeader` returned null. The piece is a view of the
   * chunk given to `push` (no copy); the sink may keep it, since socket chunks are never reused.
   */
  onPayloadPiece(piece: Uint8Array): void;
  /** The current frame is complete (its payload fully delivered). */
  onFrameEnd(header: FrameHeader): void;
}

const enum State {
  Header,
  Payload,
  Failed,
}

/**
 * Parses a byte stream of frames (frame.ts) fed in chunks of any size.
 *
 * State Header: header bytes are read straight from the chunk when all 32 are there, otherwise
 * collected in a fixed 32-byte scratch buffer. State Payload: bytes are copied from the chunk into the
 * sink's target at the running offset (or handed over as views), so the steady state allocates no
 * byte storage per chunk; the only per-chunk object is a typed-array view over the chunk.
 *
 * `push` throws ProtocolError for a malformed header (bad magic/version/flags, length over
 * `maxFrameBytes`) and rethrows whatever the sink throws; the decoder then stays failed and every
 * later `push` throws the same error, because the stream position is lost.
 */
export class FrameDecoder {
  private state = State.Header;
  private readonly scratch = new Uint8Array(FRAME_HEADER_BYTES);
  private scratchFill = 0;
  private header: FrameHeader | null = null;
  private target: Uint8Array | null = null;
  private payloadOffset = 0;
  private failure: unknown = null;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxFrameBytes: number,
  ) {
    if (!(maxFrameBytes >= 0)) throw new ProtocolError(`maxFrameBytes must be >= 0, got ${maxFrameBytes}`);
  }

  /** True between a header and the end of its payload. */
  get inPayload(): boolean {
    return this.state === State.Payload;
  }

  /** Payload bytes of the current frame received so far (0 outside a payload). */
  get payloadReceived(): number {
    return this.state === State.Payload ? this.payloadOffset : 0;
  }

  /** Parses every byte of `chunk`. See the class comment for what it throws. */
  push(chunk: Uint8Array): void {
    if (this.state === State.Failed) throw this.failure;
    try {
      this.consume(chunk);
    } catch (error) {
      this.state = State.Failed;
      this.failure = error;
      throw error;
    }
  }

  /**
   * Where the next stream bytes can be written by the reader itself, with no copy here: the unfilled rest
   * of the current payload's target (see FrameSink.onHeader). Null in the header state, when the payload
   * goes out as pieces, or once failed. A fresh view on every call; valid until the next push/advance.
   */
  get directTarget(): Uint8Array | null {
    if (this.state !== State.Payload || this.target === null) return null;
    return this.target.subarray(this.payloadOffset);
  }

  /** Bytes still missing from the current header (1..32) or payload; 0 once failed. */
  get bytesWanted(): number {
    if (this.state === State.Header) return FRAME_HEADER_BYTES - this.scratchFill;
    if (this.state === State.Payload) return this.header!.payloadLength - this.payloadOffset;
    return 0;
  }

  /**
   * The reader wrote the next `n` stream bytes (1..bytesWanted) at the start of `directTarget`: accounts
   * for them as if pushed, ending the frame when its payload is complete. Throws like `push`.
   */
  advanceDirect(n: number): void {
    if (this.state === State.Failed) throw this.failure;
    try {
      const header = this.header;
      if (this.state !== State.Payload || header === null || this.target === null || !(n > 0 && n <= header.payloadLength - this.payloadOffset)) {
        throw new ProtocolError(`internal: ${n} bytes written directly outside a payload target or past its end`);
      }
      this.payloadOffset += n;
      if (this.payloadOffset === header.payloadLength) this.endFrame();
    } catch (error) {
      this.state = State.Failed;
      this.failure = error;
      throw error;
    }
  }

  /**
   * Sends the rest of the current frame's payload into `target` (length = payloadLength) instead of
   * as pieces. The caller has already copied the `payloadReceived` bytes delivered as pieces into it.
   */
  redirect(target: Uint8Array): void {
    if (this.state !== State.Payload || this.header === null || target.byteLength !== this.header.payloadLength) {
      throw new ProtocolError('internal: redirect outside a payload or with a wrongly sized target');
    }
    this.target = target;
  }

  private consume(chunk: Uint8Array): void {
    const length = chunk.byteLength;
    let pos = 0;
    while (pos < length) {
      if (this.state === State.Header) {
        let header: FrameHeader;
        if (this.scratchFill === 0 && length - pos >= FRAME_HEADER_BYTES) {
          header = parseFrameHeader(chunk, pos, this.maxFrameBytes);
          pos += FRAME_HEADER_BYTES;
        } else {
          while (this.scratchFill < FRAME_HEADER_BYTES && pos < length) this.scratch[this.scratchFill++] = chunk[pos++];
          if (this.scratchFill < FRAME_HEADER_BYTES) return;
          this.scratchFill = 0;
          header = parseFrameHeader(this.scratch, 0, this.maxFrameBytes);
        }
        this.beginPayload(header);
      } else {
        const header = this.header!;
        const n = Math.min(header.payloadLength - this.payloadOffset, length - pos);
        const piece = pos === 0 && n === length ? chunk : chunk.subarray(pos, pos + n);
        if (this.target !== null) this.target.set(piece, this.payloadOffset);
        else this.sink.onPayloadPiece(piece);
        this.payloadOffset += n;
        pos += n;
        if (this.payloadOffset === header.payloadLength) this.endFrame();
      }
    }
  }

  private beginPayload(header: FrameHeader): void {
    const target = this.sink.onHeader(header);
    if (target !== null && target.byteLength !== header.payloadLength) {
      throw new ProtocolError(`internal: sink target of ${target.byteLength} bytes for a ${header.payloadLength}-byte payload`);
    }
    this.header = header;
    this.target = target;
    this.payloadOffset = 0;
    this.state = State.Payload;
    // A zero-length payload ends the frame at once: no later byte would trigger it.
    if (header.payloadLength === 0) this.endFrame();
  }

  private endFrame(): void {
    const header = this.header!;
    this.state = State.Header;
    this.header = null;
    this.target = null;
    this.payloadOffset = 0;
    this.sink.onFrameEnd(header);
  }
}
