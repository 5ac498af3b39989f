// Failures of `lion-cub train` workers: a stopped worker is found by its missing heartbeats, and a stalled collective is reported.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childRanks, waitForExit } from './process-checks.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TINY = ['--workload', 'synthetic', '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":256}', '--batch', '16', '--lr', '0.01', '--nproc', '2'];

interface Outcome { status: number | null; stdout: string; stderr: string }

/**
 * Runs `lion-cub train --json …`; `onStep` sees each step record of rank 0 as it arrives, with the CLI's process
 * (to find and signal its workers). Killed after `limitMs` so a broken run cannot hang the suite.
 */
function trainWatching(args: string[], onStep: (step: number, cli: ChildProcess) => void, limitMs = 150_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'train', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RANK: undefined, WORLD_SIZE: undefined } });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const record = JSON.parse(line) as { type?: string; step?: number };
        if (record.type === 'step') onStep(record.step!, child);
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

/** Sends `signal` to the worker of `rank`; its pid, or undefined when it was not found. */
function signalRank(cli: ChildProcess, rank: number, signal: NodeJS.Signals): number | undefined {
  const pid = childRanks(cli.pid!).get(rank);
  if (pid !== undefined) process.kill(pid, signal);
  return pid;
}

test('a SIGSTOPped worker: its peer prints a stall warning, then the launcher stops the job naming the rank and the call the others wait in', async () => {
  let stopped: number | undefined;
  const run = await trainWatching([...TINY, '--steps', '100000', '--heartbeat-timeout', '4', '--stall-warning', '1'], (step, cli) => {
    if (stopped === undefined && step >= 5) stopped = signalRank(cli, 1, 'SIGSTOP');
  });
  assert.ok(stopped !== undefined, `rank 1 was never stopped: ${run.stderr}`);
  assert.deepEqual(await waitForExit([stopped]), [], 'the stopped worker was killed');
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /\[rank 0\] lion-cub: stall: rank 0: \w+ #\d+ has waited 1\.\d s for rank 1 \(it fails at its 120 s time limit\)/);
  assert.match(run.stderr, /lion-cub: training failed: rank 1 sent no heartbeat for [45]\.\d s: stopped, frozen or blocked.*; rank 0 is waiting in \w+ #\d+; the other workers were stopped/);
  assert.equal(run.stderr.match(/stall: rank 0/g)?.length, 1, 'the stall is reported once');
});
