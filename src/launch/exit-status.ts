// Says in words why a worker process ended: what its exit status means to Node, or which signal ended it and what that usually is.

import { constants } from 'node:os';

/**
 * Node's exit statuses (https://nodejs.org/api/process.html#exit-codes) that a script meets without calling
 * process.exit itself; those only Node's own bugs produce are left out, as a script's own status is likelier.
 */
const NODE_EXIT_STATUSES: Readonly<Record<number, string>> = {
  1: 'Node\'s status for an uncaught error; its message is above',
  5: 'Node\'s status for a fatal V8 error, e.g. the JavaScript heap ran out of memory',
  7: 'Node\'s status for an uncaught error whose handler threw it again (a library\'s process.on("uncaughtException") rethrowing); the error is above',
  9: 'Node\'s status for an invalid option or argument to node itself',
  13: 'Node\'s status for a top-level await that never settled',
};

/** What the signals that end workers usually mean. */
const SIGNAL_MEANINGS: Readonly<Record<string, string>> = {
  SIGKILL: 'killed outright: out of memory (the kernel\'s OOM killer) or kill -9',
  SIGTERM: 'asked to terminate',
  SIGINT: 'interrupted (Ctrl-C)',
  SIGHUP: 'its terminal hung up',
  SIGSEGV: 'a crash in native code (invalid memory access)',
  SIGBUS: 'a crash in native code (bus error)',
  SIGILL: 'a crash in native code (illegal instruction)',
  SIGFPE: 'a crash in native code (arithmetic error)',
  SIGABRT: 'aborted by native code (a failed assertion, or out of memory)',
  SIGPIPE: 'it wrote to a pipe nobody reads',
};

/** "SIGSEGV: a crash in native code (invalid memory access)"; just the name for a signal without a usual meaning. */
export function describeSignal(signal: string): string {
  const meaning = SIGNAL_MEANINGS[signal];
  return meaning === undefined ? signal : `${signal}: ${meaning}`;
}

/**
 * What exit status `status` means: the script's own meaning when the caller knows it (`meanings`, e.g. a training
 * worker's 2 = configuration error), else Node's, else "128 + n" as a shell reports a death by signal n.
 * Undefined when nothing is known about it.
 */
export function describeExitStatus(status: number, meanings: Readonly<Record<number, string>> = {}): string | undefined {
  if (meanings[status] !== undefined) return meanings[status];
  if (NODE_EXIT_STATUSES[status] !== undefined) return NODE_EXIT_STATUSES[status];
  if (status > 128 && status < 128 + 65) {
    const name = Object.entries(constants.signals).find(([, n]) => n === status - 128)?.[0];
    if (name !== undefined) return `128 + ${status - 128}, as a shell reports a process ended by ${describeSignal(name)}`;
  }
  return undefined;
}
