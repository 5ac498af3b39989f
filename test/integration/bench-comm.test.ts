import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkNetemSupport } from '../../src/netem/commands.js';

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
    for (const field of ['timeMs', 'algbw', 'busbw', 'wireBytesPerRank']) assert.ok((row[field] as number) > 0, `${field} of ${JSON.stringify(row)}`);
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
