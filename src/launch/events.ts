// The typed events and results of a launch; the CLI (or any caller) decides how to show them.

import { describeExitStatus, describeSignal } from './exit-status.js';
import { describeWaiting, type HungWorker } from './heartbeat.js';
import type { OutputStream, WorkerExit } from './worker-process.js';

export type { OutputStream, WorkerExit };

/** Why a launch did not succeed. */
export type LaunchFailure =
  /** The first worker that exited non-zero, by a signal, or could not start; the others were then stopped. */
  | { kind: 'worker-failed'; rank: number; exitCode: number | null; signal: NodeJS.Signals | null; spawnError?: string }
  /** A worker sent no heartbeat for the heartbeat timeout (stopped, frozen or blocked); it was killed, the others stopped. */
  | ({ kind: 'worker-hung' } & HungWorker)
  /** The caller aborted (Ctrl-C): every worker was stopped. `reason` is the abort reason as text. */
  | { kind: 'interrupted'; reason: string }
  /** An elastic launch could not (or may no longer) form a round: too few nodes, the job closed, the backend gone. */
  | { kind: 'rendezvous'; reason: string };

/** A round of an elastic launch: its generation, this node's place in it, and why it was formed. */
export interface ElasticRoundRecord {
  generation: number;
  nodeRank: number;
  nnodes: number;
  worldSize: number;
  /** Why the round was opened ("job start", "node b … was lost", "node c is waiting to join", a failure). */
  cause: string;
}

/** What launch reports while it runs: the emulated network, each worker starting, printing and exiting, and stopping. */
export type LaunchEvent =
  /** The emulated network is up (only with `netem`); `linkGbit` when the link was measured first. */
  | { type: 'netem-ready'; jobId: string; namespaces: string[]; addresses: string[]; rateBitsPerSec: number; linkGbit?: number }
  | { type: 'worker-started'; rank: number; localRank: number; pid: number | undefined }
  /**
   * One line of a worker's output, without its newline. `cut`: a piece of a line longer than 1 MiB, delivered
   * in pieces to bound memory; such a piece is plain text even if it starts like a tagged message.
   */
  | { type: 'output'; rank: number; stream: OutputStream; line: string; cut: boolean }
  | ({ type: 'worker-exited' } & WorkerExit)
  /**
   * Every worker of the failed generation has exited; generation `generation` starts now, using restart `restart` of
   * at most `maxRestarts` (the same numbers on one node; an elastic node counts only its own failures).
   */
  | { type: 'restarting'; generation: number; restart: number; failure: LaunchFailure; maxRestarts: number }
  /** An elastic launch reached its rendezvous backend; `hostsState`: this launcher serves it (builtin), so losing it ends the job. */
  | { type: 'rendezvous-open'; backend: string; endpoint: string; nodeId: string; hostsState: boolean }
  /** The rendezvous backend went out of reach while a round runs (the round goes on while it keeps the job's state), or answers again. */
  | { type: 'rendezvous-warning'; message: string }
  /** An elastic round closed; this node's workers start now as its generation. */
  | ({ type: 'round' } & ElasticRoundRecord)
  /** The membership changed while generation `generation` ran: this node's workers stop and it meets the others again. Uses no restart. */
  | { type: 'membership-change'; generation: number; description: string }
  /** The launcher is stopping the remaining workers (SIGTERM, then SIGKILL after the grace period). */
  | { type: 'stopping'; failure: LaunchFailure }
  /** The emulated network was deleted; `leftover` lists namespaces that could not be. */
  | { type: 'netem-removed'; leftover: string[] };

/** How a launch ended: every worker succeeded, or the first failure and what the others did. */
export interface LaunchResult {
  ok: boolean;
  /** Set when ok is false. */
  failure?: LaunchFailure;
  /** One entry per started worker of the last generation, in local-rank order (a failure while starting stops the rest from starting). */
  exits: WorkerExit[];
  /** Each restart: the generation it started and the failure that caused it (empty without restarts). */
  restarts: { generation: number; failure: LaunchFailure }[];
  /** Elastic launches: every round this node ran, in order. */
  rounds?: ElasticRoundRecord[];
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  /** Measured single-stream throughput of the emulated link, when requested. */
  linkGbit?: number;
  elapsedMs: number;
}

/**
 * "rank 2 exited with status 7 (an uncaught error whose handler threw again …)" / "… was killed by SIGSEGV: a crash in
 * native code …" / "… could not start: …" / "… sent no heartbeat for …" / "interrupted (SIGINT)". `statusMeanings`
 * gives the worker script's own exit statuses (exit-status.ts), which take precedence over Node's.
 */
export function describeFailure(failure: LaunchFailure, statusMeanings?: Readonly<Record<number, string>>): string {
  if (failure.kind === 'interrupted') return `interrupted (${failure.reason})`;
  if (failure.kind === 'rendezvous') return failure.reason;
  if (failure.kind === 'worker-hung') {
    const where = failure.lastSeenIn.length > 0 ? ` (last seen in ${failure.lastSeenIn.map((a) => `${a.op} #${a.seq}`).join(', ')})` : '';
    const others = describeWaiting(failure.othersWaitingIn);
    return `rank ${failure.rank} sent no heartbeat for ${(failure.silentMs / 1000).toFixed(1)} s: stopped, frozen or blocked${where}`
      + `${others ? `; ${others}` : ''}`;
  }
  if (failure.spawnError !== undefined) return `rank ${failure.rank} could not start: ${failure.spawnError}`;
  if (failure.signal !== null) return `rank ${failure.rank} was killed by ${describeSignal(failure.signal)}`;
  const meaning = failure.exitCode === null ? undefined : describeExitStatus(failure.exitCode, statusMeanings);
  return `rank ${failure.rank} exited with status ${failure.exitCode}${meaning === undefined ? '' : ` (${meaning})`}`;
}
