// `lion-cub train` end to end with real worker processes: --json, run files, resume equal to uninterrupted, refusals, a failing rank, netem.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkNetemSupport } from '../../src/netem/commands.js';
import { checkpointDir, checkpointFileName, loadCheckpoint } from '../../src/train/checkpoint-store.js';
import { runProcess, type NodeOutcome } from './run-node.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TINY = ['--workload', 'synthetic', '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":256}', '--batch', '16', '--lr', '0.01', '--nproc', '2'];

/** Runs `lion-cub train …` in a child process (asynchronously, so the test runner stays responsive). */
function train(args: string[], env: NodeJS.ProcessEnv = {}): Promise<NodeOutcome> {
  return runProcess(process.execPath, ['--import', 'tsx', cliMain, 'train', ...args], { env });
}

const netemSkip = await checkNetemSupport().then(() => false as const, (err: Error) => `needs root and iproute2 (CI has both): ${err.message}`);

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('lion-cub train: 2 workers, --json, files in --out, and a resumed run equal to an uninterrupted one', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lion-cub-train-'));
  try {
    const split = join(root, 'split');
    const first = await train([...TINY, '--steps', '3', '--eval-every', '2', '--out', split, '--json']);
    assert.equal(first.status, 0, first.stderr);
    const records = jsonLines(first.stdout);
    assert.deepEqual(records.filter((r) => r.type === 'step').map((r) => r.step), [1, 2, 3]);
    assert.deepEqual(records.filter((r) => r.type === 'eval').map((r) => r.step), [2, 3]);
    const final = records.at(-1)!;
    assert.equal(final.final, true);
    assert.equal(final.steps, 3);
    assert.equal(final.worldSize, 2);
    for (const field of ['loss', 'accuracy', 'stepMsMedian', 'bytesSentPerStep', 'wallSeconds', 'lionBytesPerStep']) {
      assert.equal(typeof final[field], 'number', field);
      assert.ok((final[field] as number) > 0, `${field} = ${final[field]}`);
    }
    assert.ok((final.accuracy as number) <= 1);

    const config = JSON.parse(await readFile(join(split, 'config.json'), 'utf8')) as { worldSize: number; config: { steps: number } };
    assert.equal(config.worldSize, 2);
    assert.equal(config.config.steps, 3);
    const metrics = (await readFile(join(split, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(metrics.map((m) => m.type), ['start', 'step', 'step', 'eval', 'step', 'eval', 'checkpoint', 'done']);
    assert.deepEqual((await readdir(checkpointDir(split))).sort(), [checkpointFileName(3, 0), checkpointFileName(3, 1)]);

    const resumed = await train([...TINY, '--steps', '6', '--out', split, '--resume']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /resumed at step 3 from .*step-000000003\.rank-0\.ckpt/);
    assert.match(resumed.stdout, /^done: 6 steps/m);
    assert.match(resumed.stdout, /lion \(fp32 allreduce\) would send per step \(computed: recursive doubling/);
    const whole = join(root, 'whole');
    const uninterrupted = await train([...TINY, '--steps', '6', '--out', whole]);
    assert.equal(uninterrupted.status, 0, uninterrupted.stderr);
    for (const rank of [0, 1]) {
      const a = await loadCheckpoint(join(checkpointDir(split), checkpointFileName(6, rank)));
      const b = await loadCheckpoint(join(checkpointDir(whole), checkpointFileName(6, rank)));
      assert.deepEqual(a.params, b.params, `rank ${rank} parameters`);
      assert.deepEqual(a.momentum, b.momentum, `rank ${rank} momentum`);
    }
    // The resumed run appended to the same metrics file.
    const types = (await readFile(join(split, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    assert.equal(types.filter((t) => t === 'start').length, 2);
    assert.equal(types.filter((t) => t === 'step').length, 6);

    // Resuming with another strategy is refused before any worker starts, naming the file and the field.
    const mismatch = await train([...TINY, '--steps', '8', '--out', split, '--resume', '--sync', 'lion-bf16']);
    assert.equal(mismatch.status, 2);
    assert.match(mismatch.stderr, /step-000000006\.rank-0\.ckpt: written by a different run: sync: the checkpoint has ".*", this run "lion-bf16" \[checkpoint_mismatch\]/);
    // A fresh run into a used directory is refused too.
    const reuse = await train([...TINY, '--steps', '2', '--out', split]);
    assert.equal(reuse.status, 2);
    assert.match(reuse.stderr, /already holds checkpoints .* \[checkpoint_exists\]/);

    // A damaged payload passes the header check; rank 1 finds it while verifying, names it, and every rank steps
    // back to step 3, the newest step all ranks hold intact (the run kept steps 3 and 6).
    const file = join(checkpointDir(split), checkpointFileName(6, 1));
    const bytes = await readFile(file);
    bytes[bytes.length - 5] ^= 0xff;
    await writeFile(file, bytes);
    const fallback = await train([...TINY, '--steps', '8', '--out', split, '--resume']);
    assert.equal(fallback.status, 0, fallback.stderr);
    assert.match(fallback.stderr, /\[rank 1\] lion-cub: warning: .*step-000000006\.rank-1\.ckpt: sha256 mismatch.*every rank resumes from step 3/);
    assert.match(fallback.stdout, /resumed at step 3 from .*step-000000003\.rank-0\.ckpt/);

    // That run kept steps 6 (still damaged on rank 1) and 8; with step 8 damaged on rank 0 no step is intact on
    // both ranks, and resume fails naming a damaged file.
    const newest = join(checkpointDir(split), checkpointFileName(8, 0));
    const newestBytes = await readFile(newest);
    newestBytes[newestBytes.length - 5] ^= 0xff;
    await writeFile(newest, newestBytes);
    const broken = await train([...TINY, '--steps', '9', '--out', split, '--resume']);
    assert.equal(broken.status, 2);
    assert.match(broken.stderr, /training failed on rank \d: .*step-00000000[68]\.rank-\d\.ckpt: sha256 mismatch.*\[checkpoint_corrupt\]/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('lion-cub train rejects bad flags with exit status 2 before starting workers', async () => {
  const bad = await train(['--lr', 'fast']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--lr: got "fast", expected a number/);
  const unknown = await train(['--sync', 'gossip']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--sync: got "gossip", expected one of lion/);
  const noOut = await train(['--checkpoint-every', '10']);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--checkpoint-every: got 10, expected an --out directory/);
});

test('lion-cub train refuses a guessable LION_CUB_JOB_TOKEN before starting workers, with the error the ranks would give', async () => {
  const weak = await train([...TINY, '--steps', '1'], { LION_CUB_JOB_TOKEN: 'correcthorsebatt' });
  assert.equal(weak.status, 2);
  assert.match(weak.stderr, /^lion-cub: LION_CUB_JOB_TOKEN: got "a token with only 9 distinct characters", expected a random secret that cannot be guessed.*\[invalid_argument\]\n$/);
});

test('a configuration error found by the workers is printed once and short: type, message, code, rank, and what the exit status means', async () => {
  const bad = await train(['--workload', 'synthetic', '--workload-options', '{"numParams":-5}', '--nproc', '2', '--steps', '2']);
  assert.equal(bad.status, 2);
  assert.ok(bad.stderr.length < 1000, `${bad.stderr.length} characters: ${bad.stderr.slice(0, 2000)}`);
  assert.equal(bad.stderr.match(/numParams: got -5/g)?.length, 1, bad.stderr);
  assert.match(bad.stderr, /^lion-cub: training failed on rank \d: InvalidArgumentError: numParams: got -5, expected a positive integer \[invalid_argument\]; rank \d exited with status 2 \(a configuration or checkpoint error\); the other workers were stopped\n$/);
});

test('lion-cub train --netem runs the workers behind an emulated switch', { skip: netemSkip }, async () => {
  const run = await train([...TINY, '--steps', '2', '--netem', '100mbit', '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /emulated network: 2 workers, every NIC shaped to 100mbit/);
  const final = jsonLines(run.stdout).at(-1)!;
  assert.equal(final.final, true);
  assert.ok((final.bytesSentPerStep as number) > 0);
});
