// What `lion-cub train` hands its workers and how they report back: tagged JSON lines on stdout/stderr.

import type { TrainConfig } from '../train/config.js';
import type { TrainEvent } from '../train/events.js';

/** argv[2] of every worker, as JSON. */
export interface TrainWorkerPayload {
  config: TrainConfig;
  outDir: string | null;
  resume: boolean;
}

/** Rank 0 writes each event as this prefix + JSON on stdout. */
export const EVENT_PREFIX = '@lion-cub-train-event ';
/** A failing rank writes its error as this prefix + JSON on stderr before exiting. */
export const ERROR_PREFIX = '@lion-cub-train-error ';

export interface WorkerErrorReport {
  rank: number | null;
  code: string;
  message: string;
}

export function encodeEvent(event: TrainEvent): string {
  return `${EVENT_PREFIX}${JSON.stringify(event)}`;
}

/** The event carried by a worker's stdout line, or undefined for any other line. */
export function decodeEvent(line: string): TrainEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined;
  return JSON.parse(line.slice(EVENT_PREFIX.length)) as TrainEvent;
}

export function encodeError(report: WorkerErrorReport): string {
  return `${ERROR_PREFIX}${JSON.stringify(report)}`;
}

export function decodeError(line: string): WorkerErrorReport | undefined {
  if (!line.startsWith(ERROR_PREFIX)) return undefined;
  return JSON.parse(line.slice(ERROR_PREFIX.length)) as WorkerErrorReport;
}

/** Error codes caused by what the user asked for (exit status 2), as opposed to runtime failures (1). */
export function isUsageErrorCode(code: string): boolean {
  return code === 'invalid_argument' || code.startsWith('checkpoint_');
}

/** Path of the worker entry point beside this module (.ts under tsx, .js when compiled). */
export function trainWorkerScriptUrl(): URL {
  return new URL(`./train-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}
