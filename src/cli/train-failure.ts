// How `lion-cub train` tells a person why its workers failed: the error that started it, once, with its type, code and rank.

import { printable } from '../comm/transport/tcp-abort.js';
import { describeFailure, type LaunchFailure } from '../launch/events.js';
import { TRAIN_WORKER_EXIT_STATUSES, type WorkerErrorReport } from '../train/train-wire.js';

/** Codes a rank reports when ANOTHER rank went away first: consequences, not causes. */
const CONSEQUENCE_CODES = new Set(['peer_closed', 'closed']);

/**
 * The error that started a failure. The first process to exit is not always the origin: a rank that fails
 * closes its connections on the way out, and a peer may notice and exit before it. So a report that is not
 * the consequence of a lost peer wins (the lowest such rank); otherwise the first rank to exit.
 */
export function rootCause(errors: ReadonlyMap<number, WorkerErrorReport>, firstExited: number): { rank: number; report: WorkerErrorReport } | undefined {
  const causes = [...errors.entries()].filter(([, r]) => !CONSEQUENCE_CODES.has(r.code)).sort(([a], [b]) => a - b);
  if (causes.length > 0) return { rank: causes[0][0], report: causes[0][1] };
  const report = errors.get(firstExited);
  return report ? { rank: firstExited, report } : undefined;
}

/**
 * The lines that explain a failed launch (interruptions aside): "training failed on rank R: Type: message [code];
 * rank F exited with status S (what S means); the other workers were stopped", then the stack of an unexpected
 * error (a bug: code `internal`) once. The other ranks' reports of the same error are not repeated.
 */
export function describeTrainFailure(failure: LaunchFailure, errors: ReadonlyMap<number, WorkerErrorReport>, restarts = 0): { lines: string[]; cause?: WorkerErrorReport } {
  const after = restarts > 0 ? ` after ${restarts} restart${restarts > 1 ? 's' : ''}` : '';
  const cause = failureCause(failure, errors);
  const origin = describeFailureOrigin(failure, errors);
  if (!cause) return { lines: [`lion-cub: training failed${after}: ${origin}; the other workers were stopped`] };
  const lines = [`lion-cub: training failed${after} on ${origin}; the other workers were stopped`];
  const report = cause.report;
  if (typeof report.stack === 'string') lines.push(...report.stack.split('\n').filter((line) => /^\s+at /.test(line)).slice(0, 20).map(printable));
  return { lines, cause: report };
}

/** "rank R: Type: message [code]; rank F exited with status S (…)" when a worker said why, else the launcher's account. */
export function describeFailureOrigin(failure: LaunchFailure, errors: ReadonlyMap<number, WorkerErrorReport>): string {
  const exit = describeFailure(failure, TRAIN_WORKER_EXIT_STATUSES);
  const cause = failureCause(failure, errors);
  if (!cause) return exit;
  const { rank, report } = cause;
  // Worker text reaches a terminal: control characters (escape sequences) are replaced, never passed on.
  const type = report.name && report.name !== 'Error' ? `${printable(String(report.name))}: ` : '';
  return `rank ${rank}: ${type}${printable(String(report.message))} [${printable(String(report.code))}]; ${exit}`;
}

/** A hung worker reports nothing itself: the launcher's account of the silence is the cause. */
function failureCause(failure: LaunchFailure, errors: ReadonlyMap<number, WorkerErrorReport>): { rank: number; report: WorkerErrorReport } | undefined {
  return failure.kind === 'worker-failed' ? rootCause(errors, failure.rank) : undefined;
}
