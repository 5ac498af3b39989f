// Chooses where each socket read lands so that payload bytes go straight into the posted recv's buffer.
//
// Node normally reads a socket into a fresh 64 KiB buffer per read, which the frame receiver then copies
// into the recv's buffer: one extra user-space copy of every byte, one allocation per 64 KiB. In read-into
// mode (socket-read-into.ts) the transport picks the buffer of every read instead:
// - payload of a frame whose recv is posted (or of a control frame): the unfilled rest of that buffer, so the
//   kernel copies the bytes to their destination and nothing else touches them;
// - header: exactly the bytes the header still lacks, into a reused 32-byte buffer, so the read stops at the
//   payload (whose recv is usually posted by the time the header is parsed);
// - payload of a frame nobody has posted a recv for yet: when the sink holds it (holdsPayload: the socket is paused
//   until that recv is posted), a reused parking buffer no read is expected to reach; otherwise a fresh
//   uninitialised buffer for the rest of that payload (at most PIECE_BYTES), filled by successive reads; each
//   read's bytes are kept by the receiver as a piece of the queued frame (copied once when its recv is posted);
// - after the link failed: a reused discard buffer.

import type { Socket } from 'node:net';
import { FRAME_HEADER_BYTES } from './frame.js';
import { readInto } from './socket-read-into.js';

/** The receive side these reads feed: FrameReceiver implements it. */
export interface DirectReadSink {
  /** The rest of the payload being received into a buffer the reader may fill directly, or null. */
  readonly directTarget: Uint8Array | null;
  /** True when the next stream bytes are header bytes. */
  readonly expectsHeader: boolean;
  /** Bytes missing from the current header or payload; 0 when further bytes are to be ignored. */
  readonly bytesWanted: number;
  /** True while the payload being received waits for its recv with the socket paused (no read expected). */
  readonly holdsPayload?: boolean;
  /** Bytes read into a buffer of the reader's own (header bytes, queued payload pieces the sink may keep). */
  push(chunk: Uint8Array): void;
  /** `n` bytes were read into the start of `target`, the buffer `directTarget` returned for that read. */
  pushDirect(n: number, target: Uint8Array): void;
}

/** Largest buffer allocated at once for a queued frame's payload. */
export const PIECE_BYTES = 1024 * 1024;

const enum Held {
  Direct,
  Own,
  Parked,
  Discard,
}

/** Size of the buffer a paused socket keeps as its read target (see DirectReads.next). */
const PARKED_BYTES = 64 * 1024;

/** The per-read buffer policy of one link (see the file comment). Independent of sockets, so it is testable alone. */
export class DirectReads {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private discardBuffer: Uint8Array | null = null;
  private parkedBuffer: Uint8Array | null = null;
  private held = Held.Discard;
  private last: Uint8Array = this.header;
  /** The unfilled rest of the buffer allocated for the queued payload being read, or null. */
  private spare: Uint8Array | null = null;
  /** Bytes that landed in their destination with no user-space copy, and bytes that went through own buffers. */
  readonly counts = { direct: 0, copied: 0 };

  constructor(private readonly sink: DirectReadSink, private readonly pieceBytes = PIECE_BYTES) {}

  /** The buffer the next read should fill (never empty). */
  next(): Uint8Array {
    const direct = this.sink.directTarget;
    const wanted = this.sink.bytesWanted;
    if (direct !== null || wanted === 0 || this.sink.expectsHeader) this.spare = null;
    if (direct !== null) return this.hold(Held.Direct, direct);
    if (wanted === 0) return this.discard();
    if (this.sink.expectsHeader) return this.hold(Held.Own, this.header.subarray(0, wanted));
    // The socket is paused until the payload's recv is posted (then `retarget` picks the recv's buffer): no
    // read should land here, and if one does its bytes are copied out, since this buffer is reused.
    if (this.sink.holdsPayload === true) return this.hold(Held.Parked, (this.parkedBuffer ??= new Uint8Array(PARKED_BYTES)));
    // The spare always ends where the payload ends, so it is never longer than what is wanted.
    if (this.spare === null || this.spare.byteLength === 0) this.spare = Buffer.allocUnsafe(Math.min(wanted, this.pieceBytes));
    return this.hold(Held.Own, this.spare);
  }

  /** The read wrote `n` bytes at the start of the buffer `next` returned last. */
  filled(n: number): void {
    if (n <= 0) return;
    if (this.held === Held.Direct) {
      this.counts.direct += n;
      this.sink.pushDirect(n, this.last);
    } else if (this.held === Held.Own) {
      this.counts.copied += n;
      if (this.last === this.spare) this.spare = this.spare.subarray(n);
      this.sink.push(this.last.subarray(0, n));
    } else if (this.held === Held.Parked) {
      this.counts.copied += n;
      this.sink.push(this.last.slice(0, n));
    }
  }

  /** Whether the buffer handed out last belongs to a caller (a recv's buffer), not to this object. */
  get holdsCallerMemory(): boolean {
    return this.held === Held.Direct;
  }

  /** A buffer of this object's own whose contents are ignored: for reads after the link failed. */
  discard(): Uint8Array {
    this.discardBuffer ??= new Uint8Array(this.pieceBytes);
    return this.hold(Held.Discard, this.discardBuffer);
  }

  private hold(kind: Held, buffer: Uint8Array): Uint8Array {
    this.held = kind;
    this.last = buffer;
    return buffer;
  }
}

/** A link's socket in read-into mode. */
export interface DirectReadLink {
  readonly reads: DirectReads;
  /** The link failed or closed: no later read may write into a recv's buffer (its caller may reuse it now). */
  release(): void;
  /** The socket resumes after a pause: the next read goes where `next` says now (e.g. a recv posted meanwhile). */
  retarget(): void;
}

/**
 * Hands `sink` what the socket's stream has already buffered, then switches the socket to direct reads.
 * Null when this Node does not offer read-into mode (socket-read-into.ts); the caller then listens to 'data'.
 */
export function startDirectReads(socket: Socket, sink: DirectReadSink): DirectReadLink | null {
  for (let chunk: Buffer | null = socket.read(); chunk !== null; chunk = socket.read()) sink.push(chunk);
  const reads = new DirectReads(sink);
  const control = readInto(socket, () => reads.next(), (n) => reads.filled(n));
  if (control === null) return null;
  return {
    reads,
    release: () => {
      if (reads.holdsCallerMemory) control.replaceTarget(reads.discard());
    },
    retarget: () => control.replaceTarget(reads.next()),
  };
}
