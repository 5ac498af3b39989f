// One running worker: spawns it in its own process group, splits its output into lines, and stops it.

import { spawn, type ChildProcess } from 'node:child_process';
import { HEARTBEAT_FD, heartbeatLines, type Heartbeat } from './heartbeat.js';
import { LineSplitter } from './line-splitter.js';
import type { WorkerCommand } from './worker-command.js';

export type OutputStream = 'stdout' | 'stderr';

/** How a worker ended. Exactly one of exitCode / signal is non-null unless it could not be started (`spawnError`). */
export interface WorkerExit {
  rank: number;
  localRank: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the launcher had already asked this worker to stop (it is not the cause of a failure). */
  stoppedByLauncher: boolean;
  /** The OS error when the process could not be spawned at all (e.g. ENOENT). */
  spawnError?: string;
}

export interface WorkerHooks {
  /** One line of output; `cut` marks a piece of a line longer than the splitter's limit (never a whole message). */
  onOutput(stream: OutputStream, line: string, cut: boolean): void;
  /** Called once, as soon as the process is gone (before its pipes are drained). */
  onExit(exit: WorkerExit): void;
  /** Each heartbeat the worker writes to its heartbeat pipe (heartbeat.ts). */
  onHeartbeat?(beat: Heartbeat): void;
}

export interface WorkerSpec {
  rank: number;
  localRank: number;
  command: WorkerCommand;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * A started worker. The process leads its own process group (detached) so that a signal reaches the
 * worker and anything it spawned, and so a Ctrl-C in the terminal reaches only the launcher, which
 * then stops the workers in order.
 */
export class WorkerProcess {
  readonly rank: number;
  readonly localRank: number;
  /** Resolves once the process has exited AND its output has been delivered. Never rejects. */
  readonly done: Promise<WorkerExit>;
  private readonly child: ChildProcess;
  private exited = false;
  private stopRequested = false;

  constructor(spec: WorkerSpec, hooks: WorkerHooks) {
    this.rank = spec.rank;
    this.localRank = spec.localRank;
    this.child = spawn(spec.command.command, spec.command.args, {
      env: spec.env,
      cwd: spec.cwd,
      // fd 3 (HEARTBEAT_FD) carries heartbeats only.
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const splitters = {
      stdout: new LineSplitter((line, cut) => hooks.onOutput('stdout', line, cut)),
      stderr: new LineSplitter((line, cut) => hooks.onOutput('stderr', line, cut)),
    };
    this.child.stdout?.on('data', (chunk: Buffer) => splitters.stdout.push(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => splitters.stderr.push(chunk));
    const beats = new LineSplitter((line, cut) => {
      // A garbled line decodes to nothing: no sign of life; the next beat will be.
      const beat = heartbeatLines.decode({ line, cut });
      if (beat) hooks.onHeartbeat?.(beat);
    }, 1 << 16);
    this.child.stdio[HEARTBEAT_FD]?.on('data', (chunk: Buffer) => beats.push(chunk));

    this.done = new Promise<WorkerExit>((resolve) => {
      let exit: WorkerExit | undefined;
      const finishExit = (e: WorkerExit) => {
        if (exit) return;
        exit = e;
        this.exited = true;
        // The worker is gone; anything still in its process group would be an orphan.
        this.signalGroup('SIGKILL');
        hooks.onExit(e);
      };
      this.child.once('exit', (code, signal) => finishExit(this.describeExit(code, signal)));
      this.child.once('error', (err) => {
        finishExit({ ...this.describeExit(null, null), spawnError: err.message });
        // A failed spawn may never emit 'close'.
        if (this.child.pid === undefined) resolve(exit!);
      });
      this.child.once('close', () => {
        splitters.stdout.end();
        splitters.stderr.end();
        resolve(exit ?? this.describeExit(this.child.exitCode, this.child.signalCode));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Sends `signal` to the worker's process group; a no-op once it has exited. Marks it as stopped by the launcher. */
  stop(signal: NodeJS.Signals): void {
    this.stopRequested = true;
    if (!this.exited) this.signalGroup(signal);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the whole group is already gone, which is the goal. Nothing else is actionable here,
      // and throwing from an exit handler would kill the launcher and orphan the other workers.
    }
  }

  private describeExit(exitCode: number | null, signal: NodeJS.Signals | null): WorkerExit {
    return { rank: this.rank, localRank: this.localRank, exitCode, signal, stoppedByLauncher: this.stopRequested };
  }
}
