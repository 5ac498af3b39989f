// Test helper: the node launchers of an elastic job (`lion-cub train|run --nnodes MIN:MAX ...`) as child processes,
// their output collected, each SIGKILLed after a time limit so that a broken run fails its test instead of hanging.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface NodeLauncher {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** The exit status (null after a signal). */
  done: Promise<number | null>;
}

/** Starts `lion-cub <cliArgs...>` with `env` (give the job token there). */
export function startNodeLauncher(cliArgs: string[], env: NodeJS.ProcessEnv, limitMs: number): NodeLauncher {
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, ...cliArgs], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const node: NodeLauncher = { child, stdout: '', stderr: '', done: new Promise((resolve) => child.on('close', resolve)) };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { node.stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { node.stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  void node.done.then(() => clearTimeout(timer));
  return node;
}

/** The JSON records among `stdout`'s lines (`--json` steps, events and the final summary). */
export function jsonRecords(stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Polls `find` every 100 ms until it returns a value; fails the test naming `what` after `limitMs`. */
export async function until<T>(what: string, find: () => T | undefined, limitMs: number): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
