import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBenchTrainReport } from '../../src/bench/train/report/index.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

test('bench train: two strategies on two real workers over loopback write results.json, index.html and --json rows', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lion-cub-bench-train-'));
  try {
    const r = spawnSync(process.execPath, [
      '--import', 'tsx', cliMain, 'bench', 'train', '--workload', 'synthetic', '--workload-options', '{"numParams":8000,"numExamples":256}',
      '--nproc', '2', '--sync', 'lion,cub-1bit', '--no-baselines', '--netem', 'none', '--steps', '6', '--eval-every', '3', '--batch', '16',
      '--out', out, '--json', '--transport-security', 'none',
    ], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, r.stderr);
    // The mode reached the workers: with none, rank 0's process group warns that the links are unprotected.
    assert.match(r.stderr, /\[rank 0\] lion-cub: warning: transport security is off \(none\)/);
    const rows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows.map((row) => row.sync), ['lion', 'cub-1bit']);
    for (const row of rows) {
      for (const field of ['stepMsMedian', 'computeMs', 'commMs', 'bytesSentPerStep']) assert.ok((row[field] as number) > 0, `${field} of ${JSON.stringify(row)}`);
      for (const field of ['codecMs', 'finalLoss', 'finalMetric', 'speedupVsLion']) assert.equal(typeof row[field], 'number', field);
      assert.equal(row.linkGbit, null);
      assert.equal(row.speedupVsBf16, null, 'no lion-bf16 run');
      assert.equal(row.rate, 'none');
      assert.equal(row.transportSecurity, 'none');
    }
    assert.equal(rows[0].speedupVsLion, 1);
    // One sign bit per value against 32-bit floats: the vote sends far less than the fp32 allreduce.
    assert.ok((rows[1].bytesSentPerStep as number) * 4 < (rows[0].bytesSentPerStep as number), JSON.stringify(rows));

    const report = await readBenchTrainReport(join(out, 'results.json'));
    assert.equal(report.nproc, 2);
    assert.equal(report.steps, 6);
    assert.equal(report.workload, 'synthetic');
    assert.equal(report.transportSecurity, 'none');
    assert.equal(report.runs.length, 2);
    for (const run of report.runs) {
      assert.equal(run.curve.length, 6);
      assert.deepEqual(run.evals.map((e) => e.step), [3, 6]);
    }
    assert.ok(existsSync(join(out, 'index.html')));
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), /cub-1bit/);
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), /transport security/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bench train: Ctrl-C during the second strategy exits 130 and still writes the first one to results.json and the report', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lion-cub-bench-train-int-'));
  try {
    const child = spawn(process.execPath, [
      '--import', 'tsx', cliMain, 'bench', 'train', '--workload', 'synthetic', '--workload-options', '{"numParams":8000,"numExamples":256}',
      '--nproc', '2', '--sync', 'lion,cub-1bit', '--no-baselines', '--netem', 'none', '--steps', '200', '--batch', '16', '--out', out,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    const status = await new Promise<number | null>((resolveExit) => {
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        // Interrupt the second strategy after a few steps: lion has finished and must be in results.json.
        if (/cub-1bit at none: step \d+\/200/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (code) => resolveExit(code));
    });
    clearTimeout(timer);
    assert.equal(status, 130, stderr);
    assert.match(stderr, /stopped at cub-1bit at none: interrupted \(SIGINT\)/);
    const report = await readBenchTrainReport(join(out, 'results.json'));
    assert.deepEqual(report.runs.map((r) => r.sync), ['lion']);
    assert.equal(report.runs[0].curve.length, 200);
    assert.ok(existsSync(join(out, 'index.html')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bench train runs a workload module like a built-in', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lion-cub-bench-train-module-'));
  try {
    const modulePath = fileURLToPath(new URL('../../src/train/test-support/blobs-workload.ts', import.meta.url));
    const r = spawnSync(process.execPath, [
      '--import', 'tsx', cliMain, 'bench', 'train', '--workload', modulePath, '--nproc', '2', '--sync', 'cub-pbit', '--no-baselines',
      '--netem', 'none', '--steps', '4', '--batch', '16', '--out', out, '--json',
    ], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 1);
    assert.equal(typeof rows[0].finalMetric, 'number');
    const report = await readBenchTrainReport(join(out, 'results.json'));
    assert.equal(report.runs.length, 1);
    assert.match(String(report.workload), /blobs-workload\.ts$/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('bench train --heartbeat-timeout reaches the launcher: a step blocking longer than it gets the run stopped as hung', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lion-cub-bench-train-heartbeat-'));
  try {
    // Every step blocks 6 s: well inside the 15 s default, so only the 2 s given here stops the run.
    const slowStep = fileURLToPath(new URL('./fixtures/slow-step-workload.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [
      '--import', 'tsx', cliMain, 'bench', 'train', '--workload', slowStep, '--workload-options', '{"numParams":2000,"numExamples":256}',
      '--nproc', '2', '--sync', 'lion', '--no-baselines', '--netem', 'none', '--steps', '3', '--batch', '16', '--heartbeat-timeout', '2', '--out', out,
    ], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, LION_CUB_TEST_STEP_MS: '6000' } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /bench train stopped at lion at none: rank \d sent no heartbeat for [\d.]+ s: stopped, frozen or blocked/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
