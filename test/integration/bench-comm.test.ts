import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkNetemSupport } from '../../src/netem/commands.js';
import {
  int8RingTraffic, pbitAllreduceTraffic, tallyAllreduceTraffic, voteAllgatherTraffic, voteAllreduceTraffic, type WireTraffic,
} from '../../src/sync/collectives/index.js';
import { childRanks } from './process-checks.js';

const cliMain = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function benchComm(args: string[]): { rows: Record<string, unknown>[]; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cliMain, 'bench', 'comm', '--json', ...args], { encoding: 'utf8', timeout: 120_000 });
  const rows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { rows, status: r.status, stderr: r.stderr };
}

const netemSkip = await checkNetemSupport().then(() => false as const, (err: Error) => `needs root and iproute2 (CI has both): ${err.message}`);

test('bench comm --json: one row per case from rank 0, correct results, nccl-tests fields', async () => {
  const { rows, status, stderr } = benchComm(['--nproc', '3', '--op', 'allreduce,allgather', '--dtype', 'float32,int8', '--sizes', '1K,8K', '--iters', '2', '--warmup', '1']);
  assert.equal(status, 0, stderr);
  assert.equal(rows.length, 8);
  for (const row of rows) {
    assert.equal(row.worldSize, 3);
    assert.equal(row.wrong, 0);
    assert.equal(row.linkGbit, null);
    assert.equal((row.machine as { node: string }).node, process.version);
    assert.equal(row.params, (row.bytes as number) / (row.dtype === 'int8' ? 1 : 4));
    for (const field of ['timeMs', 'algbw', 'busbw', 'fp32EquivAlgbw', 'wireBytesPerRank']) assert.ok((row[field] as number) > 0, `${field} of ${JSON.stringify(row)}`);
    const factor = row.op === 'allreduce' ? 4 / 3 : 2 / 3;
    assert.ok(Math.abs((row.busbw as number) - (row.algbw as number) * factor) < 1e-9);
    // Bandwidth-optimal lower bound on what each rank must send, headers not counted.
    assert.ok((row.wireBytesPerRank as number) >= factor * (row.bytes as number) - 1e-9, JSON.stringify(row));
  }
  assert.deepEqual(rows.map((r) => `${r.op} ${r.dtype} ${r.bytes}`), [
    'allreduce float32 1024', 'allreduce float32 8192', 'allreduce int8 1024', 'allreduce int8 8192',
    'allgather float32 1020', 'allgather float32 8184', 'allgather int8 1023', 'allgather int8 8190',
  ]);
});

test('bench comm runs the compressed collectives over TCP next to the float32 allreduce: zero wrong, predicted wire bytes', async () => {
  const n = 3;
  const d = 5000;
  const ops = ['allreduce', 'vote-allreduce', 'pbit-allreduce', 'int8-ring', 'vote-allgather', 'tally-allreduce'];
  const { rows, status, stderr } = benchComm(['--nproc', String(n), '--op', ops.join(','), '--params', String(d), '--bits', '2', '--iters', '2', '--warmup', '1']);
  assert.equal(status, 0, stderr);
  assert.deepEqual(rows.map((r) => `${r.op} ${r.dtype} ${r.params} ${r.bytes}`), [
    'allreduce float32 5000 20000', 'vote-allreduce 1-bit 5000 628', 'pbit-allreduce 2-bit 5000 1252',
    'int8-ring int8 5000 5000', 'vote-allgather 1-bit 5000 628', 'tally-allreduce 1-bit 5000 628',
  ]);
  // The workers' groups use the default chunk size and allreduce choice (d = 5000 int8 bytes: recursive doubling).
  const predicted: Record<string, (r: number) => WireTraffic> = {
    'vote-allreduce': (r) => voteAllreduceTraffic(n, r, d),
    'pbit-allreduce': (r) => pbitAllreduceTraffic(n, r, d, 2),
    'int8-ring': (r) => int8RingTraffic(n, r, d),
    'vote-allgather': (r) => voteAllgatherTraffic(n, r, d),
    'tally-allreduce': (r) => tallyAllreduceTraffic(n, r, d),
  };
  for (const row of rows) {
    assert.equal(row.wrong, 0, JSON.stringify(row));
    assert.ok(Math.abs((row.fp32EquivAlgbw as number) - (4 * d) / (row.timeMs as number) / 1e6) < 1e-9, JSON.stringify(row));
    if (row.op === 'allreduce') continue;
    const perRank = [0, 1, 2].map((r) => predicted[row.op as string](r).bytesSent);
    assert.equal(row.wireBytesPerRank, Math.max(...perRank), JSON.stringify(row));
  }
});

test('bench comm refuses --params together with --sizes, and a bad --bits, naming the flag', async () => {
  const both = benchComm(['--params', '1K', '--sizes', '4K']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--params: got "1K".*not both/);
  const bits = benchComm(['--op', 'pbit-allreduce', '--bits', '3']);
  assert.equal(bits.status, 2);
  assert.match(bits.stderr, /--bits: got "3"/);
});

test('bench comm --netem reports the measured link next to each row', { skip: netemSkip }, async () => {
  const { rows, status, stderr } = benchComm(['--nproc', '2', '--sizes', '64K', '--iters', '2', '--netem', '100mbit']);
  assert.equal(status, 0, stderr);
  assert.equal(rows.length, 1);
  const link = rows[0].linkGbit as number;
  assert.ok(link > 0.05 && link < 0.11, `single stream through 100 Mbit: ${link} Gbit/s`);
  assert.equal(rows[0].wrong, 0);
});

test('bench comm refuses unknown ops naming the flag', async () => {
  const { status, stderr } = benchComm(['--op', 'allreduce,gossip']);
  assert.equal(status, 2);
  assert.match(stderr, /--op: got "gossip"/);
});

test('bench comm --transport-security runs one launch per mode and tags each row; none warns once', async () => {
  const { rows, status, stderr } = benchComm(['--nproc', '2', '--sizes', '64K', '--iters', '2', '--warmup', '1', '--transport-security', 'encrypt,integrity,none']);
  assert.equal(status, 0, stderr);
  assert.deepEqual(rows.map((r) => r.transportSecurity), ['encrypt', 'integrity', 'none']);
  for (const row of rows) assert.equal(row.wrong, 0);
  assert.equal(stderr.match(/transport security is off/g)?.length, 1, stderr);
  const bad = benchComm(['--transport-security', 'encrypt,tls']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--transport-security: got "tls"/);
});

test('bench comm --heartbeat-timeout reaches the launcher: a stopped rank is reported after it, not after the 15 s default', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'bench', 'comm', '--json', '--nproc', '2', '--sizes', '1K', '--iters', '1000000', '--heartbeat-timeout', '2'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
  try {
    let rank1: number | undefined;
    while (rank1 === undefined && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
      rank1 = childRanks(child.pid!).get(1);
    }
    assert.ok(rank1 !== undefined, `rank 1 started: ${stderr}`);
    process.kill(rank1, 'SIGSTOP');
    assert.equal(await exited, 1, stderr);
    const silent = /bench comm failed .*: rank 1 sent no heartbeat for ([\d.]+) s/.exec(stderr);
    assert.ok(silent && Number(silent[1]) < 15, stderr);
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
});
