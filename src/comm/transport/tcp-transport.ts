// The TCP implementation of Transport: one authenticated socket per peer, frames in order, fail-fast on loss.

import type { Socket } from 'node:net';
import { checkTimeoutMs, InvalidArgumentError } from '../../errors.js';
import { CommError, PeerClosedError, ProtocolError } from '../errors.js';
import { startDirectReads, type DirectReadLink } from './direct-reads.js';
import type { PayloadHoldLimits } from './payload-hold.js';
import { FrameReceiver } from './frame-receiver.js';
import { decodeAbort, encodeAbort } from './tcp-abort.js';
import { CONTROL_OPS, FRAME_HEADER_BYTES, frameHeaderBytes, type FrameHeader } from './frame.js';
import type { AuthenticatedConnection } from './handshake.js';
import { openRecordChannel, readThroughReusedBuffer, type RecordChannel } from './record-channel.js';
import type { TransportSecurity } from './security-mode.js';
import type { FrameTag, Transport, TransportCounters } from './transport.js';
import { VerifiedDirectReads } from './verified-direct-reads.js';

export interface TcpTransportOptions {
  /** Largest payload a peer may declare in one frame (bytes); larger closes the job with a ProtocolError. Default 1 GiB. */
  maxFrameBytes?: number;
  /** Bytes buffered per peer for frames that arrived before their recv; above it that socket is paused. Default 64 MiB. */
  maxPendingBytes?: number;
  /** Frames held per peer before their recv is posted; at this many that socket is paused. Default 4096. */
  maxQueuedFrames?: number;
  /** Largest control frame payload (abort reasons). Default 64 KiB. */
  maxControlBytes?: number;
  /** How long close() waits for peers to acknowledge before destroying the sockets. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Idle time before the kernel sends TCP keep-alive probes. Default 10000 ms. */
  keepAliveInitialDelayMs?: number;
  /**
   * What protects the frames (record-layer.ts): `encrypt` (default), `integrity` or `none`. Every rank
   * must use the same mode; initProcessGroup checks that at rendezvous.
   */
  security?: TransportSecurity;
  /**
   * With security `none` or `integrity`, read sockets straight into the recv buffers (direct-reads.ts,
   * verified-direct-reads.ts) instead of into a new buffer per read that is then copied; with `encrypt`, into one reused buffer per link
   * (record-channel.ts, readThroughReusedBuffer). Default true unless LION_CUB_DIRECT_READS=off (to compare the
   * two in a benchmark); false keeps Node's 'data' events.
   */
  directReads?: boolean;
  /** Non-fatal events worth logging (socket errors after a peer said goodbye). */
  onWarning?: (message: string) => void;
}

/**
 * Which early payloads a `none` link with direct reads leaves in the kernel for their recv, and how long
 * (payload-hold.ts): ranks that start a collective at different times send frames before their peers post the
 * recvs, and reading those on arrival means a buffer and a copy per frame. 250 ms covers a rank descheduled for
 * a few time slices on a loaded machine and is short against a collective's timeout; 64 KiB and up are the
 * payloads whose copy costs more than a pause and resume of the socket.
 */
const EARLY_PAYLOAD_HOLD: PayloadHoldLimits = { maxMs: 250, minBytes: 64 * 1024 };

interface Link {
  peer: number;
  socket: Socket;
  receiver: FrameReceiver;
  /** Seals outgoing frames into records and checks incoming ones before the receiver sees a byte. */
  channel: RecordChannel;
  /** Reads straight into recv buffers (security `none`, where the receiver sees the socket's bytes); else null. */
  direct: DirectReadLink | null;
  /** The peer announced that it closes its transport on purpose: its end of the stream is not a crash. */
  goodbye: boolean;
  closed: boolean;
}

interface InflightSend {
  reject(error: unknown): void;
}

/**
 * Transport over a full mesh of TCP sockets that already passed the handshake (tcp-mesh.ts builds them).
 *
 * send writes a 32-byte header and the caller's payload view with one corked writev, and resolves
 * when Node's write callback fires (the bytes are in the kernel, not yet at the peer). Unless the
 * security mode is `none`, the bytes travel as AES-256-GCM records (record-layer.ts): encrypted, or
 * in clear with a GMAC tag (no copy of the payload); a record that fails its check is an
 * IntegrityError (code `integrity`) that fails the job like any peer failure.
 * recv: with security `none` or `integrity` the socket is read straight into the caller's buffer (direct-reads.ts;
 * in `integrity` a frame completes once its records verified); with `encrypt` the decrypted records are copied
 * into it (frame-receiver.ts).
 *
 * Failure: a peer's socket ending without a goodbye frame, a socket error, a malformed frame or a
 * tag mismatch fails the whole transport: every pending and later op rejects with that error, the
 * failure listeners run once, and an abort frame carrying the reason goes to every other peer so the
 * whole job fails fast with the same named cause instead of each rank waiting for its own timeout.
 *
 * Counters count data frames only (header + payload), not the handshake nor control frames, so they
 * match the per-collective byte formulas of docs/algorithms.md.
 *
 * Socket buffer sizes: Node exposes no way to set SO_SNDBUF/SO_RCVBUF on TCP sockets (only on UDP),
 * so the kernel's autotuning decides them; net.ipv4.tcp_rmem/tcp_wmem are the knobs on Linux.
 */
export class TcpTransport implements Transport {
  readonly counters: TransportCounters = { bytesSent: 0, bytesReceived: 0 };
  private readonly links: Array<Link | undefined>;
  private readonly inflight = new Set<InflightSend>();
  private readonly listeners: Array<(error: CommError) => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private failure: CommError | null = null;
  /** True once the failure came from fail() (listeners notified), not from close(). */
  private failed = false;
  private closing: Promise<void> | null = null;
  private readonly closeTimeoutMs: number;
  private readonly onWarning: (message: string) => void;
  private readonly security: TransportSecurity;
  private readonly directReads: boolean;

  /**
   * Takes ownership of one authenticated connection per other rank (`peerRank` says which).
   * Throws InvalidArgumentError when a rank is missing, repeated or out of range.
   */
  constructor(
    readonly rank: number,
    readonly worldSize: number,
    connections: readonly AuthenticatedConnection[],
    options: TcpTransportOptions = {},
  ) {
    const {
      maxFrameBytes = 2 ** 30,
      maxPendingBytes = 64 * 2 ** 20,
      maxQueuedFrames = 4096,
      maxControlBytes = 64 * 1024,
      closeTimeoutMs = 2000,
      keepAliveInitialDelayMs = 10_000,
      onWarning = () => {},
      security = 'encrypt',
      directReads = process.env.LION_CUB_DIRECT_READS !== 'off',
    } = options;
    if (!Number.isInteger(worldSize) || worldSize < 1) throw new InvalidArgumentError('worldSize', worldSize, 'an integer >= 1');
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new InvalidArgumentError('rank', rank, `an integer in [0, ${worldSize})`);
    this.closeTimeoutMs = checkTimeoutMs('closeTimeoutMs', closeTimeoutMs, { allowZero: true });
    this.onWarning = onWarning;
    this.security = security;
    this.directReads = directReads;
    this.links = new Array<Link | undefined>(worldSize).fill(undefined);
    for (const connection of connections) {
      const peer = connection.peerRank;
      if (!Number.isInteger(peer) || peer < 0 || peer >= worldSize || peer === rank || this.links[peer] !== undefined) {
        throw new InvalidArgumentError('connections', `a connection from rank ${peer}`, `exactly one connection per rank other than ${rank}, ranks in [0, ${worldSize})`);
      }
      this.links[peer] = this.attach(connection, { maxFrameBytes, maxPendingBytes, maxQueuedFrames, maxControlBytes, keepAliveInitialDelayMs });
    }
    const missing = this.links.flatMap((l, r) => (l === undefined && r !== rank ? [r] : []));
    if (missing.length > 0) throw new InvalidArgumentError('connections', `none for ranks ${missing.join(', ')}`, 'one connection per other rank');
  }

  send(peer: number, tag: FrameTag, payload: Uint8Array): Promise<void> {
    const link = this.linkTo(peer, 'send');
    if (link instanceof InvalidArgumentError) return Promise.reject(link);
    if (this.failure !== null) return Promise.reject(this.failure);
    if (link.goodbye || link.closed) return Promise.reject(this.lostPeer(link, 'send'));
    const byteLength = payload.byteLength;
    let header: Buffer;
    try {
      header = frameHeaderBytes({ op: tag.op, seq: tag.seq, part: tag.part, dtype: tag.dtype, sender: this.rank, payloadLength: byteLength });
    } catch (error) {
      return Promise.reject(error); // an op or dtype code that does not fit the header: the caller's bug
    }
    return new Promise<void>((resolve, reject) => {
      const entry: InflightSend = { reject };
      this.inflight.add(entry);
      const written = (error?: Error | null): void => {
        if (!this.inflight.delete(entry)) return; // already rejected by a failure
        if (error) {
          const failure = new PeerClosedError(`writing to rank ${peer} failed: ${error.message}`, { rank: this.rank, peer, seq: tag.seq }, { cause: error });
          this.fail(failure);
          reject(this.failure);
          return;
        }
        this.counters.bytesSent += FRAME_HEADER_BYTES + byteLength;
        resolve();
      };
      link.channel.write(byteLength === 0 ? [header] : [header, payload], written);
    });
  }

  recv(peer: number, tag: FrameTag, into: Uint8Array): Promise<void> {
    const link = this.linkTo(peer, 'recv');
    if (link instanceof InvalidArgumentError) return Promise.reject(link);
    if (this.failure !== null) return Promise.reject(this.failure);
    // Frames precede the goodbye on the stream: once it arrived, only already-buffered frames remain.
    if ((link.goodbye || link.closed) && !link.receiver.hasCompleteFrame) return Promise.reject(this.lostPeer(link, 'recv'));
    return link.receiver.recv(tag, into);
  }

  retireSeqsBefore(seq: number): void {
    for (const link of this.liveLinks()) link.receiver.retireSeqsBefore(seq);
  }

  /** Payload bytes held for frames from `peer` that arrived before their recv (diagnostics, tests). */
  bufferedBytes(peer: number): number {
    const link = this.linkTo(peer, 'bufferedBytes');
    return link instanceof InvalidArgumentError ? 0 : link.receiver.pendingBytes;
  }

  /**
   * Bytes from `peer` read straight into recv buffers (`direct`) and through the transport's own buffers
   * (`copied`: headers, frames that arrived before their recv); null when the link does not read directly.
   */
  directReadCounts(peer: number): { direct: number; copied: number } | null {
    const link = this.linkTo(peer, 'directReadCounts');
    return link instanceof InvalidArgumentError || link.direct === null ? null : { ...link.direct.reads.counts };
  }

  abort(reason: CommError): void {
    this.fail(reason);
  }

  onFailure(listener: (error: CommError) => void): void {
    if (this.failed && this.failure !== null) {
      const failure = this.failure;
      queueMicrotask(() => listener(failure));
      return;
    }
    this.listeners.push(listener);
  }

  /**
   * Says goodbye to every peer, ends the sockets and waits (at most closeTimeoutMs) for them to close,
   * then destroys what is left, so nothing keeps the process alive. Pending ops reject with code
   * `closed` (unless the transport had already failed). Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    const wasFailed = this.failure !== null;
    if (!wasFailed) this.failure = new CommError('closed', `the transport of rank ${this.rank} was closed`, { rank: this.rank });
    this.rejectAll(this.failure!);
    const goodbye = wasFailed ? null : this.controlFrame(CONTROL_OPS.goodbye, new Uint8Array(0));
    const closed = this.liveLinks().map((link) => new Promise<void>((resolve) => {
      if (link.socket.destroyed) return resolve();
      link.socket.once('close', () => resolve());
      link.channel.finish(goodbye !== null && link.socket.writable ? [goodbye] : undefined);
    }));
    this.closing = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const link of this.liveLinks()) link.socket.destroy();
      }, this.closeTimeoutMs);
      void Promise.all(closed).then(() => {
        clearTimeout(timer);
        for (const t of this.timers) clearTimeout(t);
        this.timers.clear();
        resolve();
      });
    });
    return this.closing;
  }

  /**
   * Drops every connection at once without a goodbye or abort frame, as if the process had died; peers
   * see their links reset. For tests of failure handling and for an emergency exit.
   */
  destroy(): void {
    if (this.failure === null) this.failure = new CommError('closed', `the transport of rank ${this.rank} was destroyed`, { rank: this.rank });
    this.rejectAll(this.failure);
    for (const link of this.liveLinks()) link.socket.destroy();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private attach(connection: AuthenticatedConnection, limits: { maxFrameBytes: number; maxPendingBytes: number; maxQueuedFrames: number; maxControlBytes: number; keepAliveInitialDelayMs: number }): Link {
    const { socket, peerRank: peer } = connection;
    const receiver: FrameReceiver = new FrameReceiver({
      rank: this.rank,
      peer,
      maxFrameBytes: limits.maxFrameBytes,
      maxPendingBytes: limits.maxPendingBytes,
      maxQueuedFrames: limits.maxQueuedFrames,
      maxControlBytes: limits.maxControlBytes,
      onControl: (header, payload) => this.onControl(link, header, payload),
      onPressure: (paused) => {
        if (paused) {
          socket.pause();
          return;
        }
        link.direct?.retarget(); // a recv posted during the pause is where the next read lands
        socket.resume();
      },
      onDataFrame: (byteLength) => { this.counters.bytesReceived += byteLength; },
      onFatal: (error) => this.fail(error),
      holdEarlyPayload: this.security === 'none' && this.directReads ? EARLY_PAYLOAD_HOLD : undefined,
    });
    const channel = openRecordChannel(connection, this.security, (bytes) => receiver.push(bytes), `rank ${peer}`, { rank: this.rank, peer }, { paced: true });
    const feed = (chunk: Uint8Array): void => {
      try {
        channel.feed(chunk);
      } catch (error) {
        receiver.fail(error as CommError);
      }
    };
    const link: Link = { peer, socket, receiver, channel, direct: null, goodbye: false, closed: false };
    socket.setNoDelay(true);
    socket.setKeepAlive(true, limits.keepAliveInitialDelayMs);
    socket.on('error', (error) => this.onSocketError(link, error));
    socket.on('end', () => this.onSocketEnd(link));
    socket.on('close', () => this.onSocketEnd(link));
    const parked = connection.adopt();
    if (parked !== undefined) queueMicrotask(() => this.onSocketError(link, parked));
    if (connection.leftover.byteLength > 0) feed(connection.leftover);
    // In `none` the channel hands socket bytes to the receiver unchanged, so reads can land in recv buffers; in
    // `integrity` too, counted once their record verified.
    link.direct = this.directReads ? this.startDirectReads(socket, receiver, channel) : null;
    // In `encrypt` the opener decrypts each read into new buffers, so every read can land in one reused buffer.
    const reused = link.direct === null && this.directReads && readThroughReusedBuffer(socket, this.security, feed);
    if (link.direct === null && !reused) socket.on('data', feed);
    socket.resume();
    return link;
  }

  private startDirectReads(socket: Socket, receiver: FrameReceiver, channel: RecordChannel): DirectReadLink | null {
    if (this.security === 'none') return startDirectReads(socket, receiver);
    if (this.security === 'integrity' && channel.opener !== null) return startDirectReads(socket, new VerifiedDirectReads(channel.opener, receiver));
    return null;
  }

  private onControl(link: Link, header: FrameHeader, payload: Uint8Array): void {
    if (header.op === CONTROL_OPS.goodbye) {
      link.goodbye = true;
      // Everything the peer sent precedes its goodbye: a recv still waiting can never complete.
      if (link.receiver.hasPostedRecv) this.fail(this.lostPeer(link, 'recv'));
      return;
    }
    if (header.op === CONTROL_OPS.abort) {
      this.fail(decodeAbort(payload, link.peer, this.rank));
      return;
    }
    this.fail(new ProtocolError(`rank ${link.peer} sent unknown control op ${header.op}`, { rank: this.rank, peer: link.peer }));
  }

  private onSocketEnd(link: Link): void {
    const wasClosed = link.closed;
    link.closed = true;
    if (this.failure !== null || link.goodbye || wasClosed) return;
    try {
      link.channel.end();
    } catch (error) {
      this.fail(error as CommError);
      return;
    }
    this.fail(new PeerClosedError(`the connection to rank ${link.peer} closed without a goodbye: that process exited, crashed or was killed`, { rank: this.rank, peer: link.peer }));
  }

  private onSocketError(link: Link, error: Error): void {
    if (this.failure !== null || link.goodbye) {
      this.onWarning(`rank ${this.rank}: socket to rank ${link.peer} reported ${error.message} after it was done`);
      return;
    }
    link.closed = true;
    this.fail(new PeerClosedError(`the connection to rank ${link.peer} failed: ${error.message}`, { rank: this.rank, peer: link.peer }, { cause: error }));
  }

  private fail(error: CommError): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.failed = true;
    this.rejectAll(error);
    const abort = this.controlFrame(CONTROL_OPS.abort, encodeAbort(error));
    for (const link of this.liveLinks()) {
      link.socket.resume(); // a socket paused for backpressure must still read the peer's FIN
      if (link.socket.writable) link.channel.finish([abort], true);
      // A peer that never answers the FIN must not keep this process alive.
      const timer = setTimeout(() => link.socket.destroy(), this.closeTimeoutMs);
      timer.unref();
      this.timers.add(timer);
    }
    for (const listener of this.listeners.splice(0)) {
      try {
        listener(error);
      } catch (listenerError) {
        this.onWarning(`a transport failure listener threw: ${(listenerError as Error).message}`);
      }
    }
  }

  private rejectAll(error: CommError): void {
    for (const link of this.liveLinks()) {
      link.receiver.fail(error);
      link.direct?.release();
    }
    for (const entry of this.inflight) entry.reject(error);
    this.inflight.clear();
  }

  private lostPeer(link: Link, op: string): PeerClosedError {
    const error = new PeerClosedError(`rank ${link.peer} closed its transport; rank ${this.rank} cannot ${op} from/to it any more`, { rank: this.rank, peer: link.peer });
    this.fail(error);
    return this.failure as PeerClosedError;
  }

  private linkTo(peer: number, op: string): Link | InvalidArgumentError {
    const link = Number.isInteger(peer) ? this.links[peer] : undefined;
    if (link === undefined) return new InvalidArgumentError(`${op} peer`, peer, `a rank in [0, ${this.worldSize}) other than ${this.rank}`);
    return link;
  }

  private liveLinks(): Link[] {
    return this.links.filter((l): l is Link => l !== undefined);
  }

  private controlFrame(op: number, payload: Uint8Array): Buffer {
    return Buffer.concat([frameHeaderBytes({ op, seq: 0, part: 0, dtype: 0, sender: this.rank, payloadLength: payload.byteLength }), payload]);
  }
}
