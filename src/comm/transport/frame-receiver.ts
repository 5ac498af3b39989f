// The receive side of one peer link: matches incoming frames to the posted recv, buffers early ones, applies backpressure.

import { InvalidArgumentError } from '../../errors.js';
import { ProtocolError, type CommError } from '../errors.js';
import { frameMismatch, isStaleSeq, staleFrameError } from './frame-checks.js';
import { FrameDecoder, type FrameSink } from './frame-decoder.js';
import { FIRST_CONTROL_OP, FRAME_HEADER_BYTES, type FrameHeader } from './frame.js';
import { PayloadHold, type PayloadHoldLimits } from './payload-hold.js';
import type { FrameTag } from './transport.js';

export interface FrameReceiverOptions {
  /** This process's rank and the rank on the other end of the link (named in errors). */
  rank: number;
  peer: number;
  /** Largest payload a data frame may declare; a larger one fails the link with ProtocolError. */
  maxFrameBytes: number;
  /**
   * Bytes kept for frames nobody has posted a recv for yet, each frame counted as its payload plus
   * QUEUED_FRAME_OVERHEAD_BYTES; above it `onPressure(true)`.
   */
  maxPendingBytes: number;
  /** Frames kept without a posted recv; at this many `onPressure(true)`, whatever their size. Default 4096. */
  maxQueuedFrames?: number;
  /** Largest payload a control frame may declare. */
  maxControlBytes: number;
  /** A complete control frame (op >= 64); `payload` is owned by the callee. */
  onControl(header: FrameHeader, payload: Uint8Array): void;
  /** true: stop reading the socket (too much buffered); false: read again. */
  onPressure(paused: boolean): void;
  /** A data frame was received completely: `byteLength` counts header and payload. */
  onDataFrame(byteLength: number): void;
  /** The link is unusable (malformed frame, mismatch): called once with the error. */
  onFatal(error: CommError): void;
  /**
   * When set: also pause the socket, for at most maxMs, while a data frame's payload of at least minBytes has no
   * recv to land in, so that its bytes wait in the kernel and are read straight into the recv's buffer once it is
   * posted (direct-reads.ts) instead of being queued and copied (payload-hold.ts says why it is bounded). Frames
   * from one peer are received in order, so the recv that resumes the socket is the next one this rank posts for
   * that peer; other peers' sockets keep reading. Default: off.
   */
  holdEarlyPayload?: PayloadHoldLimits;
}

/**
 * What a queued frame costs besides its payload (its header and the objects tracking it), so that a
 * flood of empty frames fills the budget like payload does.
 */
export const QUEUED_FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + 96;

interface PostedRecv {
  tag: FrameTag;
  into: Uint8Array;
  resolve(): void;
  reject(error: unknown): void;
}

/** A data frame that arrived before its recv: the payload as views of the socket chunks. */
interface PendingFrame {
  header: FrameHeader;
  pieces: Uint8Array[];
  received: number;
  complete: boolean;
}

/**
 * Per-link receive state. A data frame goes straight into the posted recv's buffer when that recv
 * was posted before the frame's header arrived and nothing is queued ahead of it. Otherwise the
 * payload is kept as views of the socket chunks (no copy) until its recv is posted, then copied once;
 * if the recv is posted while that frame is still arriving, the received prefix is copied and the rest
 * goes straight into the recv buffer.
 *
 * Buffered bytes above `maxPendingBytes` (payload plus a fixed overhead per frame), or `maxQueuedFrames`
 * frames, pause the socket (TCP then pushes back on the sender); the caps are soft by at most one
 * socket chunk, since a chunk already read is always parsed.
 *
 * A frame whose tag or length differs from the recv is a MismatchError naming both ranks; it fails the
 * link (reported through `onFatal`), as does a frame claiming another sender rank.
 */
export class FrameReceiver implements FrameSink {
  private readonly decoder: FrameDecoder;
  private posted: PostedRecv | null = null;
  private readonly queue: PendingFrame[] = [];
  /** Frame currently being parsed when its payload goes to the queue or to a control buffer. */
  private current: PendingFrame | null = null;
  private controlPayload: Uint8Array | null = null;
  private pending = 0;
  /** Payload plus per-frame overhead of the queued frames: what backpressure is decided on. */
  private held = 0;
  private paused = false;
  private failure: CommError | null = null;
  /** Oldest collective this rank may still receive frames for (retireSeqsBefore); serial order, uint32. */
  private oldestLiveSeq = 0;

  /** Set when early payloads are held (holdEarlyPayload). */
  private readonly hold: PayloadHold | null;

  constructor(private readonly options: FrameReceiverOptions) {
    const { maxFrameBytes, maxControlBytes, holdEarlyPayload } = options;
    this.decoder = new FrameDecoder(this, Math.max(maxFrameBytes, maxControlBytes));
    this.hold = holdEarlyPayload === undefined ? null : new PayloadHold(holdEarlyPayload, () => this.updatePressure());
  }

  /** Payload bytes held for frames without a posted recv. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** Whether a recv is waiting for a frame. */
  get hasPostedRecv(): boolean {
    return this.posted !== null;
  }

  /** Whether the frame being parsed waits for its recv before more of its payload is read (holdEarlyPayload). */
  get holdsPayload(): boolean {
    const frame = this.current;
    return this.hold !== null && this.failure === null && frame !== null && this.hold.holds(frame);
  }

  /** Whether a complete frame is buffered, ready for the next recv. */
  get hasCompleteFrame(): boolean {
    return this.queue.length > 0 && this.queue[0].complete;
  }

  /**
   * Collectives before `seq` are complete on this rank (called by the collective runner through the
   * transport). A data frame for one of them, arriving now or already queued, fails the link.
   */
  retireSeqsBefore(seq: number): void {
    this.oldestLiveSeq = seq >>> 0;
    if (this.failure !== null) return;
    const stale = this.queue.find((frame) => isStaleSeq(frame.header.seq, this.oldestLiveSeq));
    if (stale !== undefined) this.fail(staleFrameError(this.options, stale.header, this.oldestLiveSeq));
  }

  /** Feeds bytes read from the socket. Never throws: a failure goes to `onFatal`. */
  push(chunk: Uint8Array): void {
    if (this.failure !== null) return;
    try {
      this.decoder.push(chunk);
    } catch (error) {
      this.fail(error as CommError);
    }
  }

  /**
   * The rest of the payload being received into a posted recv's buffer (or a control frame's), where a
   * socket read can land with no copy (direct-reads.ts); null otherwise and once the link failed.
   */
  get directTarget(): Uint8Array | null {
    return this.failure === null ? this.decoder.directTarget : null;
  }

  /** True while a frame header is incomplete (the next bytes are header bytes). */
  get expectsHeader(): boolean {
    return this.failure === null && !this.decoder.inPayload;
  }

  /** Bytes missing from the current header or payload; 0 once the link failed (ignore further bytes). */
  get bytesWanted(): number {
    return this.failure === null ? this.decoder.bytesWanted : 0;
  }

  /** `n` bytes were read straight into `directTarget`. Never throws: a failure goes to `onFatal`. */
  pushDirect(n: number): void {
    if (this.failure !== null) return;
    try {
      this.decoder.advanceDirect(n);
    } catch (error) {
      this.fail(error as CommError);
    }
  }

  /** Receives the next data frame into `into`; see Transport.recv. */
  recv(tag: FrameTag, into: Uint8Array): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.posted !== null) {
      return Promise.reject(new InvalidArgumentError('recv', `a second recv from rank ${this.options.peer}`, 'at most one pending recv per peer: await the previous one first'));
    }
    const head = this.queue[0];
    if (head === undefined) {
      return new Promise((resolve, reject) => {
        this.posted = { tag, into, resolve, reject };
      });
    }
    const mismatch = frameMismatch(this.options, tag, into, head.header);
    if (mismatch !== null) {
      this.fail(mismatch);
      return Promise.reject(mismatch);
    }
    copyPieces(head.pieces, into);
    this.queue.shift();
    this.release(head.received + QUEUED_FRAME_OVERHEAD_BYTES);
    if (head.complete) return Promise.resolve();
    // Still arriving: it is the frame being parsed, the rest goes straight into `into`.
    this.current = null;
    this.hold?.stop();
    this.decoder.redirect(into);
    this.updatePressure();
    return new Promise((resolve, reject) => {
      this.posted = { tag, into, resolve, reject };
    });
  }

  /** Rejects the posted recv with `error` and ignores every later byte. Idempotent. */
  fail(error: CommError): void {
    if (this.failure !== null) return;
    this.failure = error;
    const posted = this.posted;
    this.posted = null;
    this.queue.length = 0;
    this.current = null;
    this.pending = 0;
    this.held = 0;
    this.hold?.dispose();
    // Reading on discards the rest and sees the peer's FIN.
    if (this.paused) {
      this.paused = false;
      this.options.onPressure(false);
    }
    posted?.reject(error);
    this.options.onFatal(error);
  }

  onHeader(header: FrameHeader): Uint8Array | null {
    // A control frame earlier in the same chunk may have failed the link: stop parsing there.
    if (this.failure !== null) throw this.failure;
    const { peer, maxControlBytes, maxFrameBytes } = this.options;
    if (header.sender !== peer) {
      throw new ProtocolError(`a frame on the link to rank ${peer} claims sender rank ${header.sender}`, { rank: this.options.rank, peer });
    }
    if (header.op >= FIRST_CONTROL_OP) {
      if (header.payloadLength > maxControlBytes) {
        throw new ProtocolError(`control frame of ${header.payloadLength} bytes is over the cap of ${maxControlBytes}`, { rank: this.options.rank, peer });
      }
      this.controlPayload = new Uint8Array(header.payloadLength);
      return this.controlPayload;
    }
    if (header.payloadLength > maxFrameBytes) {
      throw new ProtocolError(`frame declares ${header.payloadLength} payload bytes, over the cap of ${maxFrameBytes} (maxFrameBytes)`, { rank: this.options.rank, peer });
    }
    if (isStaleSeq(header.seq, this.oldestLiveSeq)) throw staleFrameError(this.options, header, this.oldestLiveSeq);
    const posted = this.posted;
    if (posted !== null && this.queue.length === 0) {
      const mismatch = frameMismatch(this.options, posted.tag, posted.into, header);
      if (mismatch !== null) throw mismatch;
      return posted.into;
    }
    const frame: PendingFrame = { header, pieces: [], received: 0, complete: false };
    this.queue.push(frame);
    this.current = frame;
    this.hold?.start(frame, header.payloadLength);
    this.held += QUEUED_FRAME_OVERHEAD_BYTES;
    this.updatePressure();
    return null;
  }

  onPayloadPiece(piece: Uint8Array): void {
    const frame = this.current;
    if (frame === null) return; // the link failed while this frame was arriving
    frame.pieces.push(piece);
    frame.received += piece.byteLength;
    this.pending += piece.byteLength;
    this.held += piece.byteLength;
    this.updatePressure();
  }

  onFrameEnd(header: FrameHeader): void {
    if (header.op >= FIRST_CONTROL_OP) {
      const payload = this.controlPayload!;
      this.controlPayload = null;
      this.options.onControl(header, payload);
      return;
    }
    this.options.onDataFrame(FRAME_HEADER_BYTES + header.payloadLength);
    const frame = this.current;
    if (frame !== null) {
      frame.complete = true;
      this.current = null;
      this.hold?.stop();
      this.updatePressure();
      return;
    }
    const posted = this.posted!;
    this.posted = null;
    posted.resolve();
  }

  /** Takes a frame off the queue: its payload and overhead (`heldBytes`) no longer count. */
  private release(heldBytes: number): void {
    this.pending -= heldBytes - QUEUED_FRAME_OVERHEAD_BYTES;
    this.held -= heldBytes;
    this.updatePressure();
  }

  /**
   * Pauses the socket while the queue is over its byte or frame budget, or while it holds a payload for its recv;
   * resumes once none of these holds.
   */
  private updatePressure(): void {
    const { maxPendingBytes, maxQueuedFrames = 4096 } = this.options;
    const over = this.held > maxPendingBytes || this.queue.length >= maxQueuedFrames || this.holdsPayload;
    if (over !== this.paused) {
      this.paused = over;
      this.options.onPressure(over);
    }
  }
}

function copyPieces(pieces: Uint8Array[], into: Uint8Array): void {
  let offset = 0;
  for (const piece of pieces) {
    into.set(piece, offset);
    offset += piece.byteLength;
  }
}
