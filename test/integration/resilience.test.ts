// Failures of `lion-cub train` workers: a stopped worker is found by its missing heartbeats, a stalled collective is
// reported, and --max-restarts brings a killed or stopped job back from its last checkpoint, bit for bit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkpointDir, checkpointFileName, loadCheckpoint } from '../../src/train/checkpoint-store.js';
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

interface Restart { type: 'restart'; generation: number; cause: string; step: number; resumedFrom: string | null }

function restartRecords(stdout: string): Restart[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as { type?: string }).filter((r): r is Restart => r.type === 'restart');
}

test('--max-restarts: a worker SIGKILLed mid-run is restarted from the last checkpoint and the run ends bit-identical to an uninterrupted one', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lion-cub-restart-'));
  try {
    const run = (out: string, extra: string[], onStep: (step: number, cli: ChildProcess) => void = () => {}) =>
      trainWatching([...TINY, '--steps', '300', '--checkpoint-every', '50', '--out', out, ...extra], onStep);
    let killed: number | undefined;
    const interrupted = await run(join(root, 'killed'), ['--max-restarts', '1'], (step, cli) => {
      if (killed === undefined && step >= 120) killed = signalRank(cli, 1, 'SIGKILL');
    });
    assert.ok(killed !== undefined, 'rank 1 was killed');
    assert.equal(interrupted.status, 0, interrupted.stderr);
    assert.match(interrupted.stderr, /lion-cub: rank 1 was killed by SIGKILL[^;\n]*; every worker was stopped, restarting the job as generation 1 \(restart 1 of at most 1\)/);
    const [restart, ...more] = restartRecords(interrupted.stdout);
    assert.equal(more.length, 0);
    assert.equal(restart.generation, 1);
    assert.match(restart.cause, /^rank 1 was killed by SIGKILL/);
    assert.ok(restart.step >= 100 && restart.step % 50 === 0, `resumed at step ${restart.step}`);
    assert.match(restart.resumedFrom!, new RegExp(`step-0*${restart.step}\\.rank-0\\.ckpt$`));
    const metrics = (await readFile(join(root, 'killed', 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string; generation?: number });
    assert.deepEqual(metrics.filter((m) => m.type === 'restart').map((m) => m.generation), [1], 'the restart is in metrics.jsonl');

    const whole = await run(join(root, 'whole'), []);
    assert.equal(whole.status, 0, whole.stderr);
    for (const rank of [0, 1]) {
      const a = await loadCheckpoint(join(checkpointDir(join(root, 'killed')), checkpointFileName(300, rank)));
      const b = await loadCheckpoint(join(checkpointDir(join(root, 'whole')), checkpointFileName(300, rank)));
      assert.ok(Buffer.from(a.params.buffer, a.params.byteOffset, a.params.byteLength).equals(Buffer.from(b.params.buffer, b.params.byteOffset, b.params.byteLength)), `rank ${rank} parameters are bit-identical`);
      assert.ok(Buffer.from(a.momentum.buffer, a.momentum.byteOffset, a.momentum.byteLength).equals(Buffer.from(b.momentum.buffer, b.momentum.byteOffset, b.momentum.byteLength)), `rank ${rank} momentum is bit-identical`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('--max-restarts with a SIGSTOPped worker: the hang is reported, the job restarts and completes', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lion-cub-restart-'));
  try {
    let stopped: number | undefined;
    const run = await trainWatching([...TINY, '--steps', '200', '--checkpoint-every', '40', '--out', root, '--max-restarts', '1', '--heartbeat-timeout', '3'], (step, cli) => {
      if (stopped === undefined && step >= 60) stopped = signalRank(cli, 0, 'SIGSTOP');
    });
    assert.ok(stopped !== undefined, 'rank 0 was stopped');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /lion-cub: rank 0 sent no heartbeat for 3\.\d s: stopped, frozen or blocked.*rank 1 is waiting in \w+ #\d+; every worker was stopped, restarting the job as generation 1/);
    const [restart] = restartRecords(run.stdout);
    assert.ok(restart.step >= 40 && restart.step % 40 === 0, `resumed at step ${restart.step}`);
    assert.equal(JSON.parse(run.stdout.trim().split('\n').at(-1)!).steps, 200);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('an evaluation much longer than --heartbeat-timeout is not taken for a hang: the job finishes with its result', async () => {
  // 32 test examples per rank in passes of 2, 400 ms each: 6.4 s of evaluation per rank against a 3 s timeout.
  const slowEval = fileURLToPath(new URL('./fixtures/slow-eval-workload.mjs', import.meta.url));
  const args = ['--workload', slowEval, ...TINY.slice(2), '--steps', '4', '--eval-every', '0', '--eval-batch', '2', '--heartbeat-timeout', '3'];
  const run = await trainWatching(args, () => {});
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /heartbeat/);
  const records = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; final?: boolean; steps?: number; numTargets?: number; loss?: number });
  const summary = records.at(-1)!;
  assert.equal(summary.final, true);
  assert.equal(summary.steps, 4);
  assert.ok(Number.isFinite(summary.loss), `final test loss ${summary.loss}`);
  assert.deepEqual(records.filter((r) => r.type === 'eval').map((r) => r.numTargets), [64], 'one evaluation over the whole test set');
});
