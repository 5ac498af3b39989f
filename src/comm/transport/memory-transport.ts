// In-process transport: ranks that live in one process exchange copied frames through per-pair queues.
//
// It behaves like the TCP transport as far as collectives can tell: payloads are copied when sent, frames
// from one peer arrive in order, tags and lengths are checked on receipt (a mismatch fails the transport),
// byte counters add a header's worth of overhead per frame, a failing rank tells every peer why (they fail
// with an error of the same kind), a closing rank says goodbye (frames it sent stay readable), and a killed
// rank just disappears (peers fail with a PeerClosedError naming it).

import { InvalidArgumentError, LionCubError } from '../../errors.js';
import { dtypeName, OP_CODES } from '../codes.js';
import { baseMessage, sameKindError } from '../derived-errors.js';
import { CommError, MismatchError, PeerClosedError } from '../errors.js';
import type { FrameTag, Transport, TransportCounters } from './transport.js';

export interface MemoryTransportOptions {
  /** Bytes counted per frame on top of the payload, as a socket transport's frame header would add. Default 32. */
  headerBytes?: number;
}

export const DEFAULT_HEADER_BYTES = 32;

interface QueuedFrame {
  tag: FrameTag;
  payload: Uint8Array;
}

interface PendingRecv {
  tag: FrameTag;
  into: Uint8Array;
  resolve: () => void;
  reject: (error: CommError) => void;
}

/** One rank's end of an in-memory group. `kill()` simulates the death of the process owning this rank. */
export interface MemoryTransport extends Transport {
  /**
   * Simulates this rank's process dying: its own pending and future operations reject, and every peer
   * fails with a PeerClosedError naming this rank, as a socket transport reports a lost connection.
   */
  kill(): void;
}

/**
 * Creates `worldSize` connected transports for ranks 0..worldSize−1 living in this process.
 * Sends never block (the queue of a pair is unbounded, like a socket's write buffer); a send
 * resolves once its payload has been copied. Throws InvalidArgumentError for a bad size or option.
 */
export function createMemoryTransports(worldSize: number, options: MemoryTransportOptions = {}): MemoryTransport[] {
  if (!Number.isInteger(worldSize) || worldSize < 1) {
    throw new InvalidArgumentError('worldSize', worldSize, 'an integer >= 1');
  }
  const headerBytes = options.headerBytes ?? DEFAULT_HEADER_BYTES;
  if (!Number.isInteger(headerBytes) || headerBytes < 0) {
    throw new InvalidArgumentError('headerBytes', headerBytes, 'an integer >= 0');
  }
  const ranks: MemoryRank[] = [];
  for (let r = 0; r < worldSize; r++) ranks.push(new MemoryRank(r, worldSize, headerBytes, ranks));
  return ranks;
}

class MemoryRank implements MemoryTransport {
  readonly counters: TransportCounters = { bytesSent: 0, bytesReceived: 0 };
  private readonly inbox: QueuedFrame[][];
  private readonly pending: (PendingRecv | undefined)[];
  /** Peers that closed their transport on purpose: frames they sent before remain readable. */
  private readonly saidGoodbye: boolean[];
  private failure: CommError | undefined;
  /** True once `failure` came from fail() (listeners told), not from close() or kill(). */
  private failed = false;
  private readonly failureListeners: ((error: CommError) => void)[] = [];

  constructor(
    readonly rank: number,
    readonly worldSize: number,
    private readonly headerBytes: number,
    private readonly group: MemoryRank[],
  ) {
    this.inbox = Array.from({ length: worldSize }, () => []);
    this.pending = new Array(worldSize).fill(undefined);
    this.saidGoodbye = new Array(worldSize).fill(false);
  }

  send(peer: number, tag: FrameTag, payload: Uint8Array): Promise<void> {
    const bad = this.checkPeer(peer);
    if (bad) return Promise.reject(bad);
    if (this.failure) return Promise.reject(this.failure);
    if (this.saidGoodbye[peer]) return Promise.reject(this.lostPeer(peer, 'send to'));
    this.counters.bytesSent += this.headerBytes + payload.byteLength;
    // The receiver owns its copy, as it would own bytes read from a socket.
    this.group[peer].deliver(this.rank, { tag: { ...tag }, payload: payload.slice() });
    return Promise.resolve();
  }

  recv(peer: number, tag: FrameTag, into: Uint8Array): Promise<void> {
    const bad = this.checkPeer(peer);
    if (bad) return Promise.reject(bad);
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending[peer]) {
      return Promise.reject(new LionCubError('invalid_state', `rank ${this.rank}: a recv from rank ${peer} is already pending; post one at a time per peer`));
    }
    if (this.saidGoodbye[peer] && this.inbox[peer].length === 0) return Promise.reject(this.lostPeer(peer, 'receive from'));
    return new Promise<void>((resolve, reject) => {
      const queued = this.inbox[peer].shift();
      if (queued) this.complete(peer, queued, { tag, into, resolve, reject });
      else this.pending[peer] = { tag, into, resolve, reject };
    });
  }

  onFailure(listener: (error: CommError) => void): void {
    if (this.failed) queueMicrotask(() => listener(this.failure as CommError));
    else this.failureListeners.push(listener);
  }

  abort(reason: CommError): void {
    this.fail(reason);
  }

  kill(): void {
    if (this.failure) return;
    this.stop(new CommError('closed', `rank ${this.rank} was killed`, { rank: this.rank }));
    // A dead process says nothing: its peers only see the connection drop.
    this.eachPeerLater((peer) => peer.fail(new PeerClosedError(
      `the connection to rank ${this.rank} closed without a goodbye: that process exited, crashed or was killed`,
      { rank: peer.rank, peer: this.rank },
    )));
  }

  close(): Promise<void> {
    if (this.failure) return Promise.resolve();
    this.stop(new CommError('closed', `the transport of rank ${this.rank} was closed`, { rank: this.rank }));
    this.eachPeerLater((peer) => peer.goodbyeFrom(this.rank));
    return Promise.resolve();
  }

  private deliver(from: number, frame: QueuedFrame): void {
    if (this.failure) return;
    const waiting = this.pending[from];
    if (waiting) {
      this.pending[from] = undefined;
      this.complete(from, frame, waiting);
    } else {
      this.inbox[from].push(frame);
    }
  }

  private complete(from: number, frame: QueuedFrame, recv: PendingRecv): void {
    this.counters.bytesReceived += this.headerBytes + frame.payload.byteLength;
    const { tag, into } = recv;
    const got = frame.tag;
    if (got.op !== tag.op || got.seq !== tag.seq || got.dtype !== tag.dtype || got.part !== tag.part
      || frame.payload.byteLength !== into.byteLength) {
      // Like a socket transport, a frame out of schedule fails the whole transport: the two ends no
      // longer agree on what comes next on this stream.
      const error = new MismatchError(
        `rank ${this.rank} expected ${describeFrame(tag, into.byteLength)} from rank ${from}, `
        + `but rank ${from} sent ${describeFrame(got, frame.payload.byteLength)}`,
        { op: opName(tag.op), seq: tag.seq, rank: this.rank, peer: from },
      );
      recv.reject(error);
      this.fail(error);
      return;
    }
    into.set(frame.payload);
    recv.resolve();
  }

  private goodbyeFrom(peer: number): void {
    if (this.failure) return;
    this.saidGoodbye[peer] = true;
    // Everything the peer sent is already queued here: a receive still waiting can never complete.
    if (this.pending[peer]) this.lostPeer(peer, 'receive from');
  }

  private lostPeer(peer: number, what: string): CommError {
    this.fail(new PeerClosedError(`rank ${peer} closed its transport; rank ${this.rank} cannot ${what} it any more`, { rank: this.rank, peer }));
    return this.failure as CommError;
  }

  /**
   * Fails this rank (first failure wins): pending and later operations reject with `reason`, listeners
   * hear of it once, and every peer fails with an error of the same kind saying this rank aborted, as the
   * abort frame of a socket transport tells them.
   */
  private fail(reason: CommError): void {
    if (this.failure) return;
    this.stop(reason);
    this.failed = true;
    for (const listener of this.failureListeners.splice(0)) listener(reason);
    this.eachPeerLater((peer) => peer.fail(sameKindError(
      reason,
      `rank ${this.rank} failed and aborted the job: ${baseMessage(reason)}`,
      { rank: peer.rank, peer: reason.peer ?? this.rank, op: reason.op, seq: reason.seq },
    )));
  }

  /** Rejects everything pending and refuses everything later with `reason`. */
  private stop(reason: CommError): void {
    this.failure = reason;
    for (let p = 0; p < this.worldSize; p++) {
      const waiting = this.pending[p];
      this.pending[p] = undefined;
      this.inbox[p].length = 0;
      waiting?.reject(reason);
    }
  }

  /** Runs `notify` for every peer a moment later, as a peer notices a socket event after it happened. */
  private eachPeerLater(notify: (peer: MemoryRank) => void): void {
    queueMicrotask(() => {
      for (const peer of this.group) if (peer !== this) notify(peer);
    });
  }

  private checkPeer(peer: number): InvalidArgumentError | undefined {
    if (Number.isInteger(peer) && peer >= 0 && peer < this.worldSize && peer !== this.rank) return undefined;
    return new InvalidArgumentError('peer', peer, `a rank in 0..${this.worldSize - 1} other than ${this.rank}`);
  }
}

function opName(code: number): string {
  const entry = Object.entries(OP_CODES).find(([, value]) => value === code);
  return entry ? entry[0] : `op${code}`;
}

function describeFrame(tag: FrameTag, byteLength: number): string {
  return `{op ${opName(tag.op)}, seq ${tag.seq}, dtype ${dtypeName(tag.dtype) ?? tag.dtype}, part ${tag.part}, ${byteLength} bytes}`;
}
