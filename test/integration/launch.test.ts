import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, type LaunchOptions } from '../../src/launch/launch.js';
import type { LaunchEvent } from '../../src/launch/events.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { decodeError, decodeEvent } from '../../src/train/train-wire.js';
import { waitForExit } from './process-checks.js';

const worker = fileURLToPath(new URL('./fixtures/launch-worker.mjs', import.meta.url));
const tsWorker = fileURLToPath(new URL('./fixtures/ts-worker.ts', import.meta.url));

async function run(options: Omit<LaunchOptions, 'onEvent'>) {
  const events: LaunchEvent[] = [];
  const result = await launch({ ...options, onEvent: (e) => events.push(e) });
  const lines = (rank: number, stream = 'stdout') => events.flatMap((e) => (e.type === 'output' && e.rank === rank && e.stream === stream ? [e.line] : []));
  return { result, events, lines };
}

/** Pids of the workers and grandchildren that reported themselves ready. */
function reportedPids(events: LaunchEvent[]): number[] {
  return events.flatMap((e) => {
    if (e.type !== 'output' || !e.line.startsWith('{"pid"')) return [];
    const { pid, child } = JSON.parse(e.line) as { pid: number; child: number };
    return [pid, child];
  });
}

test('every worker gets RANK, WORLD_SIZE, LOCAL_RANK, one master address/port and one fresh job token', async () => {
  const { result, lines } = await run({ nproc: 3, script: worker, args: ['--env', 'x y'], env: { EXTRA: 'e' } });
  assert.equal(result.ok, true);
  const envs = [0, 1, 2].map((r) => JSON.parse(lines(r)[0]) as Record<string, unknown>);
  envs.forEach((env, r) => {
    assert.equal(env.RANK, String(r));
    assert.equal(env.LOCAL_RANK, String(r));
    assert.equal(env.WORLD_SIZE, '3');
    assert.equal(env.LOCAL_WORLD_SIZE, '3');
    assert.equal(env.MASTER_ADDR, '127.0.0.1');
    assert.equal(env.MASTER_PORT, String(result.masterPort));
    assert.equal(env.LION_CUB_JOB_TOKEN, envs[0].LION_CUB_JOB_TOKEN);
    assert.equal(env.EXTRA, 'e');
    assert.deepEqual(env.args, ['--env', 'x y']);
  });
  assert.ok(String(envs[0].LION_CUB_JOB_TOKEN).length >= 16);
  assert.ok(result.masterPort > 0);
  const again = await run({ nproc: 1, script: worker, args: ['--env'] });
  assert.notEqual(JSON.parse(again.lines(0)[0]).LION_CUB_JOB_TOKEN, envs[0].LION_CUB_JOB_TOKEN, 'a new job, a new token');
});

test('the second of two nodes numbers its ranks after the first and keeps the given master and token', async () => {
  const { result, lines } = await run({
    nproc: 2, nnodes: 2, nodeRank: 1, masterAddr: '127.0.0.1', masterPort: 29999, jobToken: 'shared-secret-of-the-job', script: worker, args: ['--env'],
  });
  assert.equal(result.ok, true);
  const envs = [2, 3].map((r) => JSON.parse(lines(r)[0]) as Record<string, string>);
  assert.deepEqual(envs.map((e) => [e.RANK, e.LOCAL_RANK, e.WORLD_SIZE, e.GROUP_RANK, e.MASTER_PORT, e.LION_CUB_JOB_TOKEN]), [
    ['2', '0', '4', '1', '29999', 'shared-secret-of-the-job'],
    ['3', '1', '4', '1', '29999', 'shared-secret-of-the-job'],
  ]);
});

test('several nodes without a shared token or master address are refused before anything starts', async () => {
  await assert.rejects(launch({ nproc: 1, nnodes: 2, masterAddr: '10.0.0.1', masterPort: 1234, script: worker, inheritEnv: false }), /LION_CUB_JOB_TOKEN/);
  await assert.rejects(launch({ nproc: 1, nnodes: 2, jobToken: 'shared-secret-of-the-job', script: worker }), (err: unknown) => err instanceof InvalidArgumentError && err.field === 'masterAddr');
});

test('output arrives as lines tagged with rank and stream, unterminated last lines included', async () => {
  const { result, lines } = await run({ nproc: 2, script: worker, args: ['--lines'] });
  assert.equal(result.ok, true);
  for (const r of [0, 1]) {
    assert.deepEqual(lines(r, 'stdout'), [`out ${r}`, `tail ${r}`]);
    assert.deepEqual(lines(r, 'stderr'), [`err ${r}`]);
  }
});

test('a worker exiting with status 3 fails the launch naming it; the others and their children are stopped', async () => {
  const readyDir = mkdtempSync(join(tmpdir(), 'lc-launch-'));
  try {
    const { result, events } = await run({
      nproc: 3, script: worker, stopGraceMs: 300,
      args: ['--ready-dir', readyDir, '--exit-rank', '1', '--exit-code', '3', '--ignore-sigterm'],
    });
    assert.equal(result.ok, false);
    assert.deepEqual(result.failure, { kind: 'worker-failed', rank: 1, exitCode: 3, signal: null, spawnError: undefined });
    assert.deepEqual(result.exits.map((e) => e.stoppedByLauncher), [true, false, true]);
    // They ignore SIGTERM, so only the SIGKILL after the grace period can have ended them.
    assert.deepEqual(result.exits.map((e) => e.signal), ['SIGKILL', null, 'SIGKILL']);
    assert.ok(events.some((e) => e.type === 'stopping'));
    const pids = reportedPids(events);
    assert.equal(pids.length, 4, 'ranks 0 and 2 each reported a worker and a grandchild');
    assert.deepEqual(await waitForExit(pids), [], 'no process of the job is left');
  } finally {
    rmSync(readyDir, { recursive: true, force: true });
  }
});

test('a worker killed by a signal is reported with that signal', async () => {
  const readyDir = mkdtempSync(join(tmpdir(), 'lc-launch-'));
  try {
    const { result } = await run({ nproc: 2, script: worker, args: ['--ready-dir', readyDir, '--exit-rank', '0', '--exit-signal', 'SIGABRT'] });
    assert.deepEqual(result.failure, { kind: 'worker-failed', rank: 0, exitCode: null, signal: 'SIGABRT', spawnError: undefined });
    assert.equal(result.exits[1].signal, 'SIGTERM');
  } finally {
    rmSync(readyDir, { recursive: true, force: true });
  }
});

test('aborting (Ctrl-C in the CLI) stops every worker and child and reports an interruption', async () => {
  const readyDir = mkdtempSync(join(tmpdir(), 'lc-launch-'));
  const controller = new AbortController();
  const events: LaunchEvent[] = [];
  let ready = 0;
  try {
    const result = await launch({
      nproc: 2, script: worker, args: ['--ready-dir', readyDir], signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'output' && e.line.startsWith('{"pid"') && ++ready === 2) controller.abort('SIGINT');
      },
    });
    assert.deepEqual(result.failure, { kind: 'interrupted', reason: 'SIGINT' });
    assert.deepEqual(result.exits.map((e) => e.signal), ['SIGTERM', 'SIGTERM']);
    assert.deepEqual(await waitForExit(reportedPids(events)), []);
  } finally {
    rmSync(readyDir, { recursive: true, force: true });
  }
});

test('a TypeScript worker runs through tsx', async () => {
  const { result, lines } = await run({ nproc: 2, script: tsWorker });
  assert.equal(result.ok, true);
  assert.deepEqual([lines(0), lines(1)], [['typescript rank 0'], ['typescript rank 1']]);
});

test('a missing script fails on its rank like any other worker', async () => {
  const { result } = await run({ nproc: 2, script: join(tmpdir(), 'lion-cub-no-such-script.mjs'), stopGraceMs: 200 });
  assert.equal(result.ok, false);
  assert.equal(result.failure?.kind, 'worker-failed');
  assert.ok(result.exits.every((e) => e.exitCode !== 0 || e.signal !== null));
});

test('worker text is never trusted: tagged lines that are not JSON, and pieces of an over-long line, are plain output', async () => {
  const decoded: unknown[] = [];
  const plain: Array<{ length: number; cut: boolean }> = [];
  const result = await launch({
    nproc: 1, script: worker, args: ['--untrusted-lines'],
    onEvent: (e) => {
      if (e.type !== 'output') return;
      const value = e.stream === 'stdout' ? decodeEvent(e) : decodeError(e);
      if (value) decoded.push(value);
      else plain.push({ length: e.line.length, cut: e.cut });
    },
  });
  assert.equal(result.ok, true);
  assert.deepEqual(decoded, [{ type: 'well-formed' }]);
  assert.deepEqual(plain.filter((p) => !p.cut).map((p) => p.length), ['@lion-cub-train-event {not json'.length, '@lion-cub-train-error [1, 2'.length]);
  const longLine = `@lion-cub-train-event ${JSON.stringify({ type: 'step', pad: 'x'.repeat(1.5 * 2 ** 20) })}`;
  assert.deepEqual(plain.filter((p) => p.cut).map((p) => p.length), [2 ** 20, longLine.length - 2 ** 20], 'the 1.5 MiB line arrives as a 1 MiB piece and the rest');
});

test('an onEvent handler that throws stops the workers and the launch rejects with its error', async () => {
  const readyDir = mkdtempSync(join(tmpdir(), 'lc-launch-'));
  const events: LaunchEvent[] = [];
  try {
    await assert.rejects(launch({
      nproc: 2, script: worker, args: ['--ready-dir', readyDir], stopGraceMs: 500,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'output' && e.line.startsWith('{"pid"')) throw new Error('handler bug');
      },
    }), /handler bug/);
    assert.ok(events.some((e) => e.type === 'stopping'));
    assert.deepEqual(await waitForExit(reportedPids(events)), []);
  } finally {
    rmSync(readyDir, { recursive: true, force: true });
  }
});

test('--max-restarts: after a failure every worker starts again as the next generation, told the count and the cause', async () => {
  const { result, events, lines } = await run({ nproc: 2, script: worker, args: ['--fail-until', '2'], maxRestarts: 2 });
  assert.equal(result.ok, true);
  assert.deepEqual(result.restarts.map((r) => [r.generation, r.failure.kind === 'worker-failed' && r.failure.rank]), [[1, 1], [2, 1]]);
  assert.deepEqual(events.flatMap((e) => (e.type === 'restarting' ? [[e.generation, e.maxRestarts]] : [])), [[1, 2], [2, 2]]);
  // Rank 1 printed only in the last generation; rank 0 in that one too (earlier ones may have been stopped before it printed).
  const last = [0, 1].map((r) => JSON.parse(lines(r).at(-1)!) as Record<string, string>);
  assert.deepEqual(last.map((e) => [e.TORCHELASTIC_RESTART_COUNT, e.LION_CUB_RESTART_CAUSE]), [['2', 'rank 1 exited with status 3'], ['2', 'rank 1 exited with status 3']]);
  assert.equal(lines(1).length, 1);
  assert.ok(lines(0).every((l) => (JSON.parse(l) as Record<string, string>).MASTER_PORT === String(result.masterPort)), 'every generation meets at the same port');

  const exhausted = await run({ nproc: 2, script: worker, args: ['--fail-until', '5'], maxRestarts: 1 });
  assert.equal(exhausted.result.ok, false);
  assert.equal(exhausted.result.restarts.length, 1);
  assert.deepEqual(exhausted.result.failure, { kind: 'worker-failed', rank: 1, exitCode: 3, signal: null, spawnError: undefined });
  await assert.rejects(launch({ nproc: 1, script: worker, maxRestarts: -1 }), (err: unknown) => err instanceof InvalidArgumentError && err.field === 'maxRestarts');
});
