// What a launcher hands its training workers and how they report back: tagged JSON lines on stdout/stderr.

import type { TrainConfig } from './config.js';
import type { TrainEvent } from './events.js';
import { siblingScriptUrl, taggedJsonLine } from '../launch/worker-channel.js';

/** argv[2] of every worker, as JSON. */
export interface TrainWorkerPayload {
  config: TrainConfig;
  outDir: string | null;
  resume: boolean;
  /** Report a collective still waiting after this long (ProcessGroupOptions.stallWarningMs). */
  stallWarningMs?: number;
  /** Every rank, not only rank 0, writes its step events (bench train reports compute per rank). */
  stepEventsFromEveryRank?: boolean;
}

/** Rank 0 writes each event as a tagged line on stdout. */
const eventLines = taggedJsonLine<TrainEvent>('@lion-cub-train-event ');
/** A failing rank writes its error as a tagged line on stderr before exiting. */
const errorLines = taggedJsonLine<WorkerErrorReport>('@lion-cub-train-error ');

export interface WorkerErrorReport {
  rank: number | null;
  /** The error's type (its class name, e.g. InvalidArgumentError). */
  name?: string;
  code: string;
  message: string;
  /** The stack of an unexpected error (code `internal`), for a bug report; lion-cub's own errors have none. */
  stack?: string;
}

/** What a training worker's exit statuses mean (train-worker.ts). */
export const TRAIN_WORKER_EXIT_STATUSES: Readonly<Record<number, string>> = {
  1: 'a runtime failure: a peer or the network, a timeout, I/O, or an unexpected error',
  2: 'a configuration or checkpoint error',
};

export const encodeEvent = eventLines.encode;
/** The event carried by a worker's stdout line, or undefined for any other line. */
export const decodeEvent = eventLines.decode;
export const encodeError = errorLines.encode;
export const decodeError = errorLines.decode;

/** Error codes caused by what the user asked for (exit status 2), as opposed to runtime failures (1). */
export function isUsageErrorCode(code: string): boolean {
  return code === 'invalid_argument' || code.startsWith('checkpoint_');
}

/** Path of the worker entry point beside this module (.ts under tsx, .js when compiled). */
export function trainWorkerScriptUrl(): URL {
  return siblingScriptUrl('train-worker', import.meta.url);
}
