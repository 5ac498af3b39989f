// Runs one generation of a node's workers: starts them, watches exits and heartbeats, and stops them all together.

import type { LaunchEvent, LaunchFailure } from './events.js';
import { HeartbeatMonitor, heartbeatIntervalMs } from './heartbeat.js';
import type { LaunchPlan } from './launch-plan.js';
import type { LaunchOptions } from './launch.js';
import { cpuProfileFlags, workerCommand } from './worker-command.js';
import { WorkerProcess, type WorkerExit } from './worker-process.js';

export interface WorkerSetup {
  env: NodeJS.ProcessEnv;
  netns?: string;
}

/**
 * Starts `plan.nproc` workers and resolves once all have exited. The first failure (a worker exiting non-zero or
 * by a signal, failing to start, or going silent past the heartbeat timeout) or an abort stops the rest: SIGTERM,
 * then SIGKILL after the grace period; a silent worker gets SIGKILL at once.
 */
export async function runWorkers(
  plan: LaunchPlan,
  options: LaunchOptions & { stopGraceMs: number; heartbeatTimeoutMs: number },
  emit: (event: LaunchEvent) => void,
  setup: (localRank: number) => WorkerSetup,
): Promise<{ ok: boolean; failure?: LaunchFailure; exits: WorkerExit[] }> {
  const workers: WorkerProcess[] = [];
  let failure: LaunchFailure | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  const monitor = new HeartbeatMonitor(options.heartbeatTimeoutMs);

  const stopAll = (cause: LaunchFailure): void => {
    if (failure) return;
    failure = cause;
    clearInterval(heartbeatTimer);
    emit({ type: 'stopping', failure: cause });
    // A stopped process acts on SIGTERM only once continued; a hung one gets no grace period.
    if (cause.kind === 'worker-hung') workers.find((w) => w.rank === cause.rank)?.stop('SIGKILL');
    for (const w of workers) w.stop('SIGTERM');
    killTimer = setTimeout(() => { for (const w of workers) w.stop('SIGKILL'); }, options.stopGraceMs);
  };
  const onAbort = (): void => stopAll({ kind: 'interrupted', reason: abortReason(options.signal!) });

  // Built up-front so a missing tsx fails before any process starts.
  const commands = plan.ranks.map((_, localRank) => {
    const s = setup(localRank);
    const nodeFlags = options.cpuProfileDir === undefined ? [] : cpuProfileFlags(options.cpuProfileDir, plan.ranks[localRank]);
    return { ...s, command: workerCommand(options.script, options.args ?? [], s.netns, nodeFlags) };
  });
  for (let localRank = 0; localRank < plan.nproc && !failure; localRank++) {
    const rank = plan.ranks[localRank];
    const worker = new WorkerProcess(
      { rank, localRank, command: commands[localRank].command, env: commands[localRank].env, cwd: options.cwd },
      {
        onOutput: (stream, line, cut) => emit({ type: 'output', rank, stream, line, cut }),
        onHeartbeat: (beat) => monitor.beat(rank, beat, performance.now()),
        onExit: (exit) => {
          monitor.exited(rank);
          emit({ type: 'worker-exited', ...exit });
          if (!exit.stoppedByLauncher && (exit.exitCode !== 0 || exit.signal !== null || exit.spawnError !== undefined)) {
            stopAll({ kind: 'worker-failed', rank, exitCode: exit.exitCode, signal: exit.signal, spawnError: exit.spawnError });
          }
        },
      },
    );
    workers.push(worker);
    monitor.started(rank, performance.now());
    emit({ type: 'worker-started', rank, localRank, pid: worker.pid });
  }
  // Checked ten times per timeout, so a hang is reported at most a tenth of the timeout late.
  if (options.heartbeatTimeoutMs > 0 && !failure) {
    heartbeatTimer = setInterval(() => {
      const hung = monitor.check(performance.now());
      if (hung) stopAll({ kind: 'worker-hung', ...hung });
    }, heartbeatIntervalMs(options.heartbeatTimeoutMs));
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  try {
    const exits = await Promise.all(workers.map((w) => w.done));
    return failure ? { ok: false, failure, exits } : { ok: true, exits };
  } finally {
    clearTimeout(killTimer);
    clearInterval(heartbeatTimer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === 'string') return r;
  if (r instanceof Error) return r.message;
  return 'aborted';
}
