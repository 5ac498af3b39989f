// The transport interface that collectives are written against: ordered frames to and from peers.
//
// Collectives never see sockets. A transport delivers frames between ranks in
// order per (sender, receiver) pair, checks each frame's tag against what the
// receiver expects, and fails every pending operation when a peer is lost.
// tcp-transport.ts and memory-transport.ts implement it; one contract suite runs on both.

import type { CommError } from '../errors.js';

/** Identifies a frame within the group. Every field is carried in the frame header and checked on receipt. */
export interface FrameTag {
  /** Operation kind code (see OP_CODES in frame.ts): a receiver expecting an allreduce frame never accepts an allgather frame. */
  op: number;
  /** Per-group sequence number of the collective (uint32, wraps). */
  seq: number;
  /** Element type code (see DTYPE_CODES). */
  dtype: number;
  /** Index of this message within the collective (ring step, chunk), so reordering bugs are caught, not summed. */
  part: number;
}

/** Messages and bytes a transport has sent and received, frame headers included. */
export interface TransportCounters {
  /** Bytes written to peers, frame headers included. */
  bytesSent: number;
  /** Bytes read from peers, frame headers included. */
  bytesReceived: number;
}

/** Sends and receives tagged byte frames between the ranks of a job; the collectives see nothing else. */
export interface Transport {
  readonly rank: number;
  readonly worldSize: number;
  /**
   * Sends one frame to `peer`. The caller must not modify `payload` until the promise resolves.
   * Rejects with a CommError if the transport has failed or is closed.
   */
  send(peer: number, tag: FrameTag, payload: Uint8Array): Promise<void>;
  /**
   * Receives the next frame from `peer` straight into `into`. The frame's tag must equal `tag` and its
   * payload length must equal `into.byteLength`; otherwise it rejects with a MismatchError naming both ranks.
   * At most one recv per peer may be pending at a time; frames from one peer are delivered in order.
   */
  recv(peer: number, tag: FrameTag, into: Uint8Array): Promise<void>;
  readonly counters: TransportCounters;
  /**
   * Optional. Tells the receive side that every collective numbered before `seq` (serial order, uint32)
   * is complete on this rank, every frame of it received: a data frame for such a collective that
   * arrives later is a ProtocolError naming the peer and seq (frame-receiver.ts, "Stale frames").
   */
  retireSeqsBefore?(seq: number): void;
  /** Fails the transport: every pending and future send/recv rejects with `reason`. Idempotent. */
  abort(reason: CommError): void;
  /** Registers a listener called once, with the first failure (peer lost, protocol error, abort). */
  onFailure(listener: (error: CommError) => void): void;
  /** Releases sockets and timers; pending operations reject with code `closed`. */
  close(): Promise<void>;
}
