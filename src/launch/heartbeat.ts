// Worker liveness: a preloaded timer in every worker writes heartbeats to a pipe, and the launcher watches for silence.
//
// A worker whose event loop stops (SIGSTOP, a frozen machine, a call that blocks forever) otherwise shows up only when a
// peer's collective times out, minutes later and naming the peer rather than the cause. Heartbeats come from the
// worker's main thread, so they stop exactly when the worker stops making progress of any kind.

import { ACTIVITY_REGISTRY_KEY, type CollectiveActivity } from '../comm/activity.js';
import { InvalidArgumentError, MAX_TIMER_MS } from '../errors.js';
import { taggedJsonLine } from './worker-channel.js';

/** The worker's file descriptor heartbeats go to: a pipe of their own, so they never mix with the script's output. */
export const HEARTBEAT_FD = 3;
/** Set by the launcher to the interval in ms; a worker without it (not started by lion-cub) sends nothing. */
export const HEARTBEAT_INTERVAL_ENV = 'LION_CUB_HEARTBEAT_MS';

/**
 * Default silence before a worker counts as hung. Long enough that no single synchronous stretch of a worker
 * (loading TF.js and a dataset, one forward and backward pass of a built-in workload, one evaluation pass of
 * --eval-batch examples: evaluation yields between passes, src/train/yield-point.ts) is mistaken for a hang; short enough that a stopped worker is found,
 * stopped and reported within 30 s, a quarter of a training run's 120 s collective time limit.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 15_000;

/** What one heartbeat carries: the collectives the worker is inside (none between calls). */
export interface Heartbeat {
  ops: CollectiveActivity[];
}

export const heartbeatLines = taggedJsonLine<Heartbeat>('@lion-cub-heartbeat ');

/** Ten beats per timeout, between 100 ms and 1 s apart: a late beat or two never reaches the timeout. */
export function heartbeatIntervalMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(100, Math.floor(timeoutMs / 10)));
}

/** Throws InvalidArgumentError unless `timeoutMs` is 0 (off) or from 1000 ms to what a Node timer holds. */
export function checkHeartbeatTimeout(field: string, timeoutMs: number): number {
  if (!Number.isFinite(timeoutMs) || (timeoutMs !== 0 && timeoutMs < 1000) || timeoutMs > MAX_TIMER_MS) {
    throw new InvalidArgumentError(field, timeoutMs, `0 (no heartbeat checks) or a number of milliseconds from 1000 to ${MAX_TIMER_MS}`);
  }
  return timeoutMs;
}

/**
 * Preloaded into every worker (a data: URL, so it imports nothing of lion-cub and works whatever copy of the
 * package the worker loads). Reads the running collectives from the registry of comm/activity.ts, writes one
 * line per interval to HEARTBEAT_FD, skips a beat while the previous write is pending (a launcher that stopped
 * reading never makes the worker queue lines) and stops at the first write error (the launcher is gone).
 * The timer is unref'd: it never keeps a worker alive.
 */
const HEARTBEAT_PRELOAD_SOURCE = `import { write } from 'node:fs';
const intervalMs = Number(process.env.${HEARTBEAT_INTERVAL_ENV});
delete process.env.${HEARTBEAT_INTERVAL_ENV};
if (intervalMs > 0) {
  const key = Symbol.for(${JSON.stringify(ACTIVITY_REGISTRY_KEY)});
  let pending = false;
  const beat = () => {
    if (pending) return;
    const ops = [];
    for (const probe of globalThis[key] ?? []) { try { const a = probe(); if (a) ops.push(a); } catch {} }
    pending = true;
    write(${HEARTBEAT_FD}, ${JSON.stringify(heartbeatLines.prefix)} + JSON.stringify({ ops }) + '\\n', (error) => {
      pending = false;
      if (error) clearInterval(timer);
    });
  };
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  beat();
}
`;

export const HEARTBEAT_PRELOAD_IMPORT = `data:text/javascript,${encodeURIComponent(HEARTBEAT_PRELOAD_SOURCE)}`;

/** A worker that went silent, with what it and the other local workers were last seen doing. */
export interface HungWorker {
  rank: number;
  silentMs: number;
  /** The collectives the silent worker was inside at its last heartbeat. */
  lastSeenIn: CollectiveActivity[];
  /** The collectives the other local workers are waiting in, from their latest heartbeats. */
  othersWaitingIn: CollectiveActivity[];
}

/** The launcher's view of its workers' heartbeats. Time is passed in, so the rule is tested without waiting. */
export class HeartbeatMonitor {
  private readonly lastBeatMs = new Map<number, number>();
  private readonly lastOps = new Map<number, CollectiveActivity[]>();

  constructor(private readonly timeoutMs: number) {}

  /** A worker started at `nowMs`: its first beat is due within the timeout, like every later one. */
  started(rank: number, nowMs: number): void {
    this.lastBeatMs.set(rank, nowMs);
    this.lastOps.set(rank, []);
  }

  beat(rank: number, beat: Heartbeat, nowMs: number): void {
    if (!this.lastBeatMs.has(rank)) return;
    this.lastBeatMs.set(rank, nowMs);
    this.lastOps.set(rank, Array.isArray(beat.ops) ? beat.ops : []);
  }

  /** The worker is gone: its silence means nothing any more. */
  exited(rank: number): void {
    this.lastBeatMs.delete(rank);
  }

  /** The worker silent the longest, when that is over the timeout (it stopped first; the others may be waiting on it). */
  check(nowMs: number): HungWorker | undefined {
    let worst: [number, number] | undefined;
    for (const [rank, at] of this.lastBeatMs) if (!worst || at < worst[1]) worst = [rank, at];
    if (!worst || nowMs - worst[1] < this.timeoutMs) return undefined;
    const [rank, at] = worst;
    const othersWaitingIn = [...this.lastBeatMs.keys()].filter((r) => r !== rank).flatMap((r) => this.lastOps.get(r) ?? []);
    return { rank, silentMs: nowMs - at, lastSeenIn: this.lastOps.get(rank) ?? [], othersWaitingIn };
  }
}

/** "ranks 0, 1 are waiting in allreduce #57" / "rank 3 is waiting in barrier #2; rank 1 in allreduce #9" / "". */
export function describeWaiting(ops: readonly CollectiveActivity[]): string {
  const byCall = new Map<string, number[]>();
  for (const a of ops) {
    const call = `${a.op} #${a.seq}`;
    byCall.set(call, [...(byCall.get(call) ?? []), a.rank]);
  }
  return [...byCall].map(([call, ranks], i) => {
    const who = ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${ranks.sort((a, b) => a - b).join(', ')}`;
    return i === 0 ? `${who} ${ranks.length === 1 ? 'is' : 'are'} waiting in ${call}` : `${who} in ${call}`;
  }).join('; ');
}
