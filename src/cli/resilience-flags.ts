// The failure-handling flags shared by `lion-cub train` and `lion-cub run`: heartbeat timeout, stall warning, restarts
// (the benchmarks take the heartbeat timeout alone).

import { Command } from 'commander';
import { DEFAULT_STALL_WARNING_MS } from '../comm/process-group.js';
import { InvalidArgumentError, MAX_TIMER_MS } from '../errors.js';
import { checkHeartbeatTimeout, DEFAULT_HEARTBEAT_TIMEOUT_MS } from '../launch/heartbeat.js';

export interface ResilienceFlags {
  heartbeatTimeout?: string;
  stallWarning?: string;
  maxRestarts?: string;
}

export interface Resilience {
  /** 0: no heartbeat checks. */
  heartbeatTimeoutMs: number;
  stallWarningMs: number;
  /** Restarts of the whole job after a failure before giving up (torchrun's --max-restarts). */
  maxRestarts: number;
}

/** --heartbeat-timeout's help line. */
export const HEARTBEAT_TIMEOUT_HELP = `stop and report a worker silent this long (stopped, frozen or blocked); 0 = off (default ${DEFAULT_HEARTBEAT_TIMEOUT_MS / 1000})`;

/** Adds the flags; `stall` only where this process runs the collectives (train, not a generic script). */
export function addResilienceOptions(command: Command, { stall }: { stall: boolean }): Command {
  command
    .option('--heartbeat-timeout <seconds>', HEARTBEAT_TIMEOUT_HELP)
    .option('--max-restarts <k>', 'after a worker fails, stop all workers and restart the job up to k times (default 0)');
  if (stall) command.option('--stall-warning <seconds>', `print once which ranks a collective waits for after this long (default ${DEFAULT_STALL_WARNING_MS / 1000})`);
  return command;
}

/** Throws InvalidArgumentError naming the flag for a value that is not a number in range. */
export function parseResilienceFlags(flags: ResilienceFlags): Resilience {
  const stallWarningMs = flags.stallWarning === undefined ? DEFAULT_STALL_WARNING_MS : seconds('--stall-warning', flags.stallWarning) * 1000;
  if (!(stallWarningMs > 0)) throw new InvalidArgumentError('--stall-warning', flags.stallWarning, 'a positive number of seconds');
  let maxRestarts = 0;
  if (flags.maxRestarts !== undefined) {
    maxRestarts = Number(flags.maxRestarts);
    if (!/^\d+$/.test(flags.maxRestarts.trim()) || !Number.isSafeInteger(maxRestarts)) {
      throw new InvalidArgumentError('--max-restarts', flags.maxRestarts, 'a non-negative integer (restarts of the whole job)');
    }
  }
  return { heartbeatTimeoutMs: parseHeartbeatTimeout(flags.heartbeatTimeout), stallWarningMs, maxRestarts };
}

/** --heartbeat-timeout in milliseconds (the default when absent); InvalidArgumentError naming the flag when out of range. */
export function parseHeartbeatTimeout(text: string | undefined): number {
  const heartbeat = text === undefined ? DEFAULT_HEARTBEAT_TIMEOUT_MS : seconds('--heartbeat-timeout', text) * 1000;
  try {
    return checkHeartbeatTimeout('--heartbeat-timeout', heartbeat);
  } catch {
    throw new InvalidArgumentError('--heartbeat-timeout', text, `0 (off) or 1 to ${Math.floor(MAX_TIMER_MS / 1000)} seconds`);
  }
}

function seconds(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError(flag, text, 'a non-negative number of seconds');
  return value;
}
