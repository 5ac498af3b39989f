// One collective's view of the transport: tags every message, numbers its parts, tracks what is outstanding.

import type { Transport } from '../transport/transport.js';

/** What every frame of one collective call carries besides its part number. */
export interface CollectiveTag {
  /** Operation code (OP_CODES). */
  op: number;
  /** Per-group sequence number (uint32). */
  seq: number;
  /** Element type code (DTYPE_CODES). */
  dtype: number;
}

const PART_INDEX_MASK = 0xffffff;
const noop = (): void => {};

/**
 * Sends and receives the frames of one collective call.
 *
 * Part numbers: `part = (algorithmId << 24) | (k mod 2^24)` where k counts the messages already sent to
 * (or received from) that peer in this call. Sender and receiver walk the same schedule, so they agree
 * on k; a frame that arrives out of schedule, or from a rank running another algorithm of the same
 * collective (e.g. ring vs recursive doubling for allreduce), fails the tag check instead of being summed.
 *
 * Every promise returned here already has a rejection handler attached, so an algorithm that stops at
 * its first error never leaves an unhandled rejection behind. `waitingFor()` names the peers a stalled
 * call is blocked on, for timeout messages.
 */
export class CollectiveLink {
  readonly rank: number;
  readonly worldSize: number;
  messagesSent = 0;
  messagesReceived = 0;
  private algorithmBits = 0;
  private readonly sendParts: Uint32Array;
  private readonly recvParts: Uint32Array;
  private readonly sendsInFlight: Int32Array;
  private readonly recvsInFlight: Int32Array;
  private outstandingSends = 0;
  private sendError: unknown;
  private flushWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly transport: Transport, private readonly tag: CollectiveTag) {
    this.rank = transport.rank;
    this.worldSize = transport.worldSize;
    this.sendParts = new Uint32Array(this.worldSize);
    this.recvParts = new Uint32Array(this.worldSize);
    this.sendsInFlight = new Int32Array(this.worldSize);
    this.recvsInFlight = new Int32Array(this.worldSize);
  }

  /** Sets the algorithm id (1..255) carried in the top byte of every part from now on. */
  useAlgorithm(id: number): void {
    this.algorithmBits = (id & 0xff) << 24;
  }

  /** Sends the next message to `peer`. `payload` must stay unmodified until the promise (or flush()) resolves. */
  send(peer: number, payload: Uint8Array): Promise<void> {
    const part = (this.algorithmBits | (this.sendParts[peer] & PART_INDEX_MASK)) >>> 0;
    this.sendParts[peer]++;
    this.messagesSent++;
    this.sendsInFlight[peer]++;
    this.outstandingSends++;
    const done = this.transport.send(peer, { op: this.tag.op, seq: this.tag.seq, dtype: this.tag.dtype, part }, payload);
    done.then(() => this.sendSettled(peer, undefined), (error: unknown) => this.sendSettled(peer, error ?? new Error('send failed')));
    return done;
  }

  /** Receives the next message from `peer` into `into` (its length must equal the frame's). */
  recv(peer: number, into: Uint8Array): Promise<void> {
    const part = (this.algorithmBits | (this.recvParts[peer] & PART_INDEX_MASK)) >>> 0;
    this.recvParts[peer]++;
    this.recvsInFlight[peer]++;
    const done = this.transport.recv(peer, { op: this.tag.op, seq: this.tag.seq, dtype: this.tag.dtype, part }, into);
    done.then(() => {
      this.recvsInFlight[peer]--;
      this.messagesReceived++;
    }, noop);
    return done;
  }

  /** Resolves when every send so far has completed; rejects with the first send failure. */
  flush(): Promise<void> {
    if (this.sendError !== undefined) return Promise.reject(this.sendError);
    if (this.outstandingSends === 0) return Promise.resolve();
    const waiting = new Promise<void>((resolve, reject) => this.flushWaiters.push({ resolve, reject }));
    waiting.catch(noop);
    return waiting;
  }

  /** Whether a recv of this call is still waiting for its frame. */
  get hasRecvsInFlight(): boolean {
    return this.recvsInFlight.some((n) => n > 0);
  }

  /** Peers this call still waits on: a recv not yet satisfied, or a send not yet completed. */
  waitingFor(): number[] {
    const peers: number[] = [];
    for (let p = 0; p < this.worldSize; p++) {
      if (this.recvsInFlight[p] > 0 || this.sendsInFlight[p] > 0) peers.push(p);
    }
    return peers;
  }

  private sendSettled(peer: number, error: unknown): void {
    this.sendsInFlight[peer]--;
    this.outstandingSends--;
    if (error !== undefined && this.sendError === undefined) this.sendError = error;
    if (this.sendError !== undefined) {
      for (const w of this.flushWaiters.splice(0)) w.reject(this.sendError);
    } else if (this.outstandingSends === 0) {
      for (const w of this.flushWaiters.splice(0)) w.resolve();
    }
  }
}
