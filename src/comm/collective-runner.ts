// Runs a group's collectives one at a time: sequence numbers, time limits, poisoning after a failure, counters.

import { registerActivityProbe, type CollectiveActivity, type StallReport } from './activity.js';
import { DTYPE_CODES, OP_CODES, type DType } from './codes.js';
import type { CollectiveContext } from './collectives/context.js';
import { CollectiveLink } from './collectives/link.js';
import { Scratch } from './collectives/views.js';
import { baseMessage, describePeers, sameKindError } from './derived-errors.js';
import { CommError, CommTimeoutError } from './errors.js';
import type { Transport } from './transport/transport.js';

export type { StallReport };

/** Name of a ProcessGroup collective, as its counters (opTotals) and errors report it. */
export type CollectiveName = 'allreduce' | 'reduceScatter' | 'allgather' | 'alltoall' | 'alltoallv' | 'allgatherv' | 'broadcast' | 'barrier';

/** Traffic and time of one collective call, from the transport's counters (frame headers included). */
export interface OpStats {
  op: CollectiveName;
  seq: number;
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  elapsedMs: number;
}
/** Totals over every completed call of one collective. */
export type OpTotals = Omit<OpStats, 'op' | 'seq'> & { calls: number };

export interface StallWarningOptions {
  /** Report a call still running after this long, once (Horovod's stall inspector). Only when below the call's time limit. */
  stallWarningMs?: number;
  onStall?: (report: StallReport) => void;
}

/** The body of one call: an algorithm run on the call's context. */
export type CollectiveBody<T> = (ctx: CollectiveContext) => Promise<T>;

interface Running {
  op: CollectiveName;
  seq: number;
  link: CollectiveLink;
  startMs: number;
  fail(error: CommError): void;
}

const noop = (): void => {};

/**
 * The engine behind ProcessGroup. Calls queue in call order and each gets the next sequence number
 * (uint32, wrapping) when it is submitted; a call runs once the previous one has settled. A call that
 * outlives its time limit, or hits any communication failure, poisons the runner: the transport is
 * aborted (peers learn why), the call rejects, and every later call rejects with an error of the same
 * kind under its own op and seq. Owns the transport from construction on.
 */
export class CollectiveRunner {
  readonly rank: number;
  readonly scratch: Scratch;
  private nextSeq = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private running: Running | undefined;
  private failure: CommError | undefined;
  private closing: Promise<void> | undefined;
  private last: OpStats | undefined;
  private readonly totals = new Map<CollectiveName, OpTotals>();

  private readonly unregisterProbe: () => void;

  /** `kernelWorkBytes`: the largest array small-message algorithms reduce (ProcessGroupOptions.smallMessageBytes). */
  constructor(private readonly transport: Transport, private readonly chunkBytes: number, private readonly stall: StallWarningOptions = {}, kernelWorkBytes = 0) {
    this.rank = transport.rank;
    this.scratch = new Scratch({ kernelChunkBytes: chunkBytes, kernelWorkBytes });
    transport.onFailure((error) => this.onTransportFailure(error));
    this.unregisterProbe = registerActivityProbe(() => this.activity());
  }

  /** The call running now, as the heartbeat reports it; undefined between calls. */
  activity(): CollectiveActivity | undefined {
    const r = this.running;
    if (!r) return undefined;
    return { rank: this.rank, op: r.op, seq: r.seq, elapsedMs: performance.now() - r.startMs, waitingFor: r.link.waitingFor() };
  }

  /** Queues `body` as the next call; its promise settles with the body's value or the call's error. */
  run<T>(op: CollectiveName, dtype: DType, timeoutMs: number, body: CollectiveBody<T>): Promise<T> {
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) >>> 0;
    const result = this.tail.then(() => this.execute(op, seq, timeoutMs, dtype, body));
    this.tail = result.then(noop, noop);
    return result;
  }

  get lastOp(): OpStats | undefined {
    return this.last && { ...this.last };
  }

  opTotals(op: CollectiveName): OpTotals {
    const t = this.totals.get(op);
    return t ? { ...t } : { calls: 0, bytesSent: 0, bytesReceived: 0, messagesSent: 0, messagesReceived: 0, elapsedMs: 0 };
  }

  get error(): CommError | undefined {
    return this.failure;
  }

  /** Fails the running and queued calls with code `closed`, drops the scratch memory, closes the transport. */
  close(): Promise<void> {
    if (!this.closing) {
      this.unregisterProbe();
      this.poison(new CommError('closed', 'the process group was closed', { rank: this.rank }), false);
      this.scratch.release();
      this.closing = this.transport.close();
    }
    return this.closing;
  }

  private execute<T>(op: CollectiveName, seq: number, timeoutMs: number, dtype: DType, body: CollectiveBody<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.laterError(op, seq));
    const code = op === 'reduceScatter' ? OP_CODES.reduce_scatter
      : op === 'alltoallv' ? OP_CODES.alltoall
      : op === 'allgatherv' ? OP_CODES.allgather
      : OP_CODES[op];
    const link = new CollectiveLink(this.transport, { op: code, seq, dtype: DTYPE_CODES[dtype] });
    const before = { ...this.transport.counters };
    const startMs = performance.now();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (error: CommError | undefined, value?: T, original?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(stallTimer);
        if (this.running?.seq === seq) this.running = undefined;
        if (error) reject(original ?? error);
        else resolve(value as T);
      };
      const timer = setTimeout(() => {
        const waiting = link.waitingFor();
        const elapsedMs = performance.now() - startMs;
        const error = new CommTimeoutError(
          `${op} did not complete within ${timeoutMs} ms on rank ${this.rank}; waiting for ${describePeers(waiting)}`,
          { op, seq, rank: this.rank, peer: waiting[0], elapsedMs },
        );
        this.poison(error, true);
        finish(error);
      }, timeoutMs);
      const { stallWarningMs, onStall } = this.stall;
      const stallTimer = onStall && stallWarningMs !== undefined && stallWarningMs < timeoutMs
        ? setTimeout(() => onStall({ ...this.activity()!, timeoutMs }), stallWarningMs)
        : undefined;
      this.running = { op, seq, link, startMs, fail: (error) => finish(error) };
      body({ link, chunkBytes: this.chunkBytes, scratch: this.scratch }).then((value) => {
        if (settled) return;
        this.record(op, seq, link, before, startMs);
        // Every frame of this call has arrived: a later frame numbered this or earlier is stale.
        if (!link.hasRecvsInFlight) this.transport.retireSeqsBefore?.((seq + 1) >>> 0);
        finish(undefined, value);
      }, (cause: unknown) => {
        if (settled) return;
        const error = this.runningError(cause, op, seq, link, startMs);
        this.poison(error, true);
        finish(error, undefined, cause instanceof CommError ? undefined : cause);
      });
    });
  }

  /** The error a failed call reports: same kind as the transport's, named after the call. */
  private runningError(cause: unknown, op: CollectiveName, seq: number, link: CollectiveLink, startMs: number): CommError {
    const elapsedMs = performance.now() - startMs;
    if (cause instanceof CommError) {
      const peer = cause.peer ?? link.waitingFor()[0];
      return sameKindError(cause, `${op} failed on rank ${this.rank}: ${baseMessage(cause)}`, { op, seq, rank: this.rank, peer, elapsedMs });
    }
    // Not a communication failure (a bug): the streams are in an unknown state, so the group cannot go on.
    return new CommError('closed', `${op} stopped on rank ${this.rank} by an internal error: ${String(cause)}`, { op, seq, rank: this.rank, elapsedMs }, { cause });
  }

  /** The error a call reports when the group failed before it could run. */
  private laterError(op: CollectiveName, seq: number): CommError {
    const first = this.failure as CommError;
    return sameKindError(first, `${op} cannot run on rank ${this.rank}: the group failed earlier: ${baseMessage(first)}`, {
      op, seq, rank: this.rank, peer: first.peer,
    });
  }

  private onTransportFailure(error: CommError): void {
    if (this.failure) return;
    const running = this.running;
    if (running) {
      const named = this.runningError(error, running.op, running.seq, running.link, running.startMs);
      this.failure = named;
      running.fail(named);
    } else {
      this.failure = error;
    }
  }

  /** Keeps the first failure, fails the running call, and (optionally) aborts the transport so peers find out at once. */
  private poison(error: CommError, abortTransport: boolean): void {
    if (!this.failure) this.failure = error;
    const running = this.running;
    if (running) running.fail(running.seq === error.seq ? error : this.runningError(error, running.op, running.seq, running.link, running.startMs));
    if (abortTransport) this.transport.abort(error);
  }

  private record(op: CollectiveName, seq: number, link: CollectiveLink, before: { bytesSent: number; bytesReceived: number }, startMs: number): void {
    const stats: OpStats = {
      op,
      seq,
      bytesSent: this.transport.counters.bytesSent - before.bytesSent,
      bytesReceived: this.transport.counters.bytesReceived - before.bytesReceived,
      messagesSent: link.messagesSent,
      messagesReceived: link.messagesReceived,
      elapsedMs: performance.now() - startMs,
    };
    this.last = stats;
    const t = this.opTotals(op);
    this.totals.set(op, {
      calls: t.calls + 1,
      bytesSent: t.bytesSent + stats.bytesSent,
      bytesReceived: t.bytesReceived + stats.bytesReceived,
      messagesSent: t.messagesSent + stats.messagesSent,
      messagesReceived: t.messagesReceived + stats.messagesReceived,
      elapsedMs: t.elapsedMs + stats.elapsedMs,
    });
  }
}
