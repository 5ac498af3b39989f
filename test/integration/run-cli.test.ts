import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForExit } from './process-checks.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const worker = fileURLToPath(new URL('./fixtures/launch-worker.mjs', import.meta.url));

interface Cli {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once `count` stdout lines match `pattern` (rejects after 30 s). */
  waitFor(pattern: RegExp, count: number): Promise<string[]>;
}

function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: (() => void)[] = [];
  const collect = (into: string[]) => {
    let pending = '';
    return (chunk: Buffer) => {
      const parts = (pending + chunk.toString('utf8')).split('\n');
      pending = parts.pop()!;
      into.push(...parts);
      waiters.forEach((w) => w());
    };
  };
  child.stdout!.on('data', collect(stdout));
  child.stderr!.on('data', collect(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const waitFor = (pattern: RegExp, count: number) => new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} × ${pattern}; stdout: ${stdout.join('|')} stderr: ${stderr.join('|')}`)), 30_000);
    const check = () => {
      const hits = stdout.filter((l) => pattern.test(l));
      if (hits.length >= count) { clearTimeout(timer); resolve(hits); }
    };
    waiters.push(check);
    check();
  });
  return { child, stdout, stderr, exited, waitFor };
}

function pidsFrom(lines: string[]): number[] {
  return lines.flatMap((l) => {
    const { pid, child } = JSON.parse(l.slice(l.indexOf('{'))) as { pid: number; child: number };
    return [pid, child];
  });
}

test('run prefixes each line with its rank and exits non-zero naming the failed rank and status', async () => {
  const readyDir = mkdtempSync(join(tmpdir(), 'lc-cli-'));
  try {
    const cli = startCli(['run', '--nproc', '3', '--grace-ms', '500', worker, '--ready-dir', readyDir, '--exit-rank', '2', '--exit-code', '3']);
    const { code } = await cli.exited;
    assert.equal(code, 1);
    assert.ok(cli.stdout.length >= 2);
    for (const line of cli.stdout.filter((l) => l.length > 0)) assert.match(line, /^\[rank [01]\] \{"pid"/);
    assert.ok(cli.stderr.some((l) => l === 'lion-cub: rank 2 exited with status 3; the other workers were stopped'), cli.stderr.join('\n'));
    assert.deepEqual(await waitForExit(pidsFrom(cli.stdout.filter((l) => l.includes('"pid"')))), []);
  } finally {
    rmSync(readyDir, { recursive: true, force: true });
  }
});

test('stderr lines are prefixed too and go to stderr; options after the script belong to the script', async () => {
  const cli = startCli(['run', '--nproc', '2', worker, '--lines']);
  assert.equal((await cli.exited).code, 0);
  assert.deepEqual(cli.stdout.filter(Boolean).sort(), ['[rank 0] out 0', '[rank 0] tail 0', '[rank 1] out 1', '[rank 1] tail 1']);
  assert.deepEqual(cli.stderr.filter(Boolean).sort(), ['[rank 0] err 0', '[rank 1] err 1']);
});

for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  test(`${signal} to the launcher stops all workers and their children and exits with ${status}`, async () => {
    const readyDir = mkdtempSync(join(tmpdir(), 'lc-cli-'));
    try {
      const cli = startCli(['run', '--nproc', '2', worker, '--ready-dir', readyDir]);
      const ready = await cli.waitFor(/^\[rank \d\] \{"pid"/, 2);
      cli.child.kill(signal);
      const { code } = await cli.exited;
      assert.equal(code, status);
      assert.ok(cli.stderr.includes(`lion-cub: interrupted (${signal})`), cli.stderr.join('\n'));
      assert.deepEqual(await waitForExit(pidsFrom(ready)), []);
    } finally {
      rmSync(readyDir, { recursive: true, force: true });
    }
  });
}

test('an uncaught error after the wasm backend started is short (no minified source) and its exit status is explained', async () => {
  const script = fileURLToPath(new URL('./fixtures/throw-after-backend.ts', import.meta.url));
  const cli = startCli(['run', '--nproc', '2', '--grace-ms', '2000', script]);
  assert.equal((await cli.exited).code, 1);
  const stderr = cli.stderr.join('\n');
  assert.ok(stderr.length < 4000, `${stderr.length} characters of stderr`);
  assert.ok(cli.stderr.every((line) => line.length < 500), 'no line of minified library source');
  assert.match(stderr, /Error: a mistake in the script on rank \d/);
  assert.match(stderr, /lion-cub: rank \d exited with status 1 \(Node's status for an uncaught error; its message is above\); the other workers were stopped/);
});

test('workers end themselves when the launcher is killed with SIGKILL (no orphans)', async () => {
  const readyDir = mkdtempSync(join(tmpdir(), 'lc-cli-'));
  try {
    const cli = startCli(['run', '--nproc', '2', worker, '--ready-dir', readyDir]);
    const ready = await cli.waitFor(/^\[rank \d\] \{"pid"/, 2);
    cli.child.kill('SIGKILL');
    await cli.exited;
    const pids = pidsFrom(ready);
    // The watchdog checks twice a second, then kills the worker's process group, grandchild included.
    const left = await waitForExit(pids, 5000);
    for (const pid of left) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
    assert.deepEqual(left, [], 'workers and their children noticed their launcher died');
  } finally {
    rmSync(readyDir, { recursive: true, force: true });
  }
});

test('bad flags exit with status 2 and name the flag', async () => {
  const cli = startCli(['run', '--nproc', '0', worker]);
  assert.equal((await cli.exited).code, 2);
  assert.match(cli.stderr.join('\n'), /nproc: got 0, expected a positive integer/);
});
