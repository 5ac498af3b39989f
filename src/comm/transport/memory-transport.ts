// In-process transport: ranks that live in one process exchange copied frames through per-pair queues.
//
// It behaves like a socket transport as far as collectives can tell: payloads are copied when sent,
// frames from one peer arrive in order, tags and lengths are checked on receipt, byte counters add a
// header's worth of overhead per frame, and a rank that fails, closes or is killed is seen by every
// peer as a closed connection (PeerClosedError naming that rank).

import { InvalidArgumentError, LionCubError } from '../../errors.js';
import { dtypeName, OP_CODES } from '../codes.js';
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
  private failure: CommError | undefined;
  private readonly failureListeners: ((error: CommError) => void)[] = [];

  constructor(
    readonly rank: number,
    readonly worldSize: number,
    private readonly headerBytes: number,
    private readonly group: MemoryRank[],
  ) {
    this.inbox = Array.from({ length: worldSize }, () => []);
    this.pending = new Array(worldSize).fill(undefined);
  }

  send(peer: number, tag: FrameTag, payload: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const bad = this.checkPeer(peer);
    if (bad) return Promise.reject(bad);
    this.counters.bytesSent += this.headerBytes + payload.byteLength;
    // The receiver owns its copy, as it would own bytes read from a socket.
    this.group[peer].deliver(this.rank, { tag: { ...tag }, payload: payload.slice() });
    return Promise.resolve();
  }

  recv(peer: number, tag: FrameTag, into: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const bad = this.checkPeer(peer);
    if (bad) return Promise.reject(bad);
    if (this.pending[peer]) {
      return Promise.reject(new LionCubError('invalid_state', `rank ${this.rank}: a recv from rank ${peer} is already pending; post one at a time per peer`));
    }
    return new Promise<void>((resolve, reject) => {
      const queued = this.inbox[peer].shift();
      if (queued) this.complete(peer, queued, { tag, into, resolve, reject });
      else this.pending[peer] = { tag, into, resolve, reject };
    });
  }

  onFailure(listener: (error: CommError) => void): void {
    if (this.failure) queueMicrotask(() => listener(this.failure as CommError));
    else this.failureListeners.push(listener);
  }

  abort(reason: CommError): void {
    this.fail(reason);
  }

  kill(): void {
    this.fail(new CommError('closed', `rank ${this.rank} was killed`, { rank: this.rank }));
  }

  close(): Promise<void> {
    this.fail(new CommError('closed', 'transport closed', { rank: this.rank }));
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
    // A mismatched frame is consumed too: it was read off the wire, and the stream has moved past it.
    this.counters.bytesReceived += this.headerBytes + frame.payload.byteLength;
    const { tag, into } = recv;
    const got = frame.tag;
    if (got.op !== tag.op || got.seq !== tag.seq || got.dtype !== tag.dtype || got.part !== tag.part
      || frame.payload.byteLength !== into.byteLength) {
      recv.reject(new MismatchError(
        `rank ${this.rank} expected ${describeFrame(tag, into.byteLength)} from rank ${from}, `
        + `but rank ${from} sent ${describeFrame(got, frame.payload.byteLength)}`,
        { op: opName(tag.op), seq: tag.seq, rank: this.rank, peer: from },
      ));
      return;
    }
    into.set(frame.payload);
    recv.resolve();
  }

  /** Marks this rank failed, rejects what is pending here, and lets every peer see the connection go. */
  private fail(reason: CommError): void {
    if (this.failure) return;
    this.failure = reason;
    for (let p = 0; p < this.worldSize; p++) {
      const waiting = this.pending[p];
      this.pending[p] = undefined;
      this.inbox[p].length = 0;
      waiting?.reject(reason);
    }
    for (const listener of this.failureListeners.splice(0)) listener(reason);
    // Peers notice a moment later, as they would notice a socket closing.
    queueMicrotask(() => {
      for (const peer of this.group) {
        if (peer === this) continue;
        peer.fail(new PeerClosedError(`rank ${this.rank} closed its connection to rank ${peer.rank}`, { rank: peer.rank, peer: this.rank }, { cause: reason }));
      }
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
