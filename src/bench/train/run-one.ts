// Runs one training job of the benchmark: the same workers `lion-cub train` starts, optionally on an emulated link.

import { fileURLToPath } from 'node:url';
import { decodeError, decodeEvent, TRAIN_WORKER_EXIT_STATUSES, trainWorkerScriptUrl, type TrainWorkerPayload, type WorkerErrorReport } from '../../train/train-wire.js';
import { describeFailure, launch } from '../../launch/launch.js';
import { JOB_TOKEN_ENV } from '../../launch/launch-plan.js';
import { TRANSPORT_SECURITY_ENV, type TransportSecurity } from '../../comm/transport/security-mode.js';
import type { TrainConfig } from '../../train/config.js';
import type { StepEvent, TrainEvent } from '../../train/events.js';
import { UNSHAPED } from './plan.js';

export interface TrainRunOptions {
  config: TrainConfig;
  nproc: number;
  /** A tc rate (`1gbit`) for an emulated network, or `none` for unshaped loopback. */
  rate: string;
  /** Handed to every worker in LION_CUB_TRANSPORT_SECURITY; unset: the workers inherit this process's value. */
  transportSecurity?: TransportSecurity;
  /** A worker silent this long is taken for hung (the launcher's heartbeatTimeoutMs; 0: off). Default the launcher's. */
  heartbeatTimeoutMs?: number;
  /** Duration of the single-stream link measurement before a shaped run. Default 2000 ms. */
  measureLinkMs?: number;
  signal?: AbortSignal;
  /** Lines the workers printed that are not events (warnings, stack traces), tagged with the rank. */
  onLog?: (rank: number, line: string) => void;
  /** Each of rank 0's events as it arrives (progress display). */
  onEvent?: (event: TrainEvent) => void;
  /** Write a V8 CPU profile of every rank into this directory (`rank-<r>.cpuprofile`). */
  cpuProfileDir?: string;
}

export type TrainRunResult =
  | { ok: true; events: TrainEvent[]; linkGbit: number | null; stepsByRank?: StepEvent[][] }
  | { ok: false; interrupted: boolean; message: string; events: TrainEvent[]; linkGbit: number | null };

/**
 * Launches `nproc` train workers (src/train/train-worker.ts) with `config`, nothing written to disk. With a shaped
 * rate every rank gets its own namespace behind a tbf-shaped switch and the link's single-stream throughput is
 * measured first (ranks 0 → 1); every rank's step events are kept (stepsByRank), rank 0's full stream in events; the launcher removes the namespaces however the run ends. A failing worker or an
 * abort is a result (ok: false, with the worker's own error message when it sent one), not an exception; the
 * launcher's exceptions (bad options, netem unavailable) propagate.
 */
export async function runTrainJob(options: TrainRunOptions): Promise<TrainRunResult> {
  const events: TrainEvent[] = [];
  const stepsByRank: StepEvent[][] = Array.from({ length: options.nproc }, () => []);
  const errors = new Map<number, WorkerErrorReport>();
  let linkGbit: number | null = null;
  const payload: TrainWorkerPayload = { config: options.config, outDir: null, resume: false, stepEventsFromEveryRank: true };
  const result = await launch({
    nproc: options.nproc,
    script: fileURLToPath(trainWorkerScriptUrl()),
    args: [JSON.stringify(payload)],
    jobToken: process.env[JOB_TOKEN_ENV],
    env: options.transportSecurity === undefined ? undefined : { [TRANSPORT_SECURITY_ENV]: options.transportSecurity },
    netem: options.rate === UNSHAPED ? undefined : { rate: options.rate, measureLink: options.nproc >= 2, measureLinkMs: options.measureLinkMs },
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    signal: options.signal,
    cpuProfileDir: options.cpuProfileDir,
    onEvent: (event) => {
      if (event.type === 'netem-ready') linkGbit = event.linkGbit ?? null;
      if (event.type !== 'output') return;
      const trainEvent = event.stream === 'stdout' ? decodeEvent(event) : undefined;
      if (trainEvent?.type === 'step') stepsByRank[event.rank]?.push(trainEvent);
      if (trainEvent && event.rank !== 0) return;
      if (trainEvent) {
        events.push(trainEvent);
        return options.onEvent?.(trainEvent);
      }
      const report = event.stream === 'stderr' ? decodeError(event) : undefined;
      if (report) return void errors.set(event.rank, report);
      options.onLog?.(event.rank, event.line);
    },
  });
  if (result.ok) return { ok: true, events, linkGbit, stepsByRank };
  const failure = result.failure!;
  const report = failure.kind === 'worker-failed' ? errors.get(failure.rank) : undefined;
  return {
    ok: false,
    interrupted: failure.kind === 'interrupted',
    message: `${describeFailure(failure, TRAIN_WORKER_EXIT_STATUSES)}${report ? `: ${report.name ? `${report.name}: ` : ''}${report.message} [${report.code}]` : ''}`,
    events,
    linkGbit,
  };
}
