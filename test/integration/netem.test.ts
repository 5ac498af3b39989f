import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch } from '../../src/launch/launch.js';
import type { LaunchEvent } from '../../src/launch/events.js';
import { checkNetemSupport } from '../../src/netem/commands.js';
import { sweepStaleNamespaces } from '../../src/netem/sweep.js';
import { measureLinkThroughput } from '../../src/launch/link-throughput.js';
import { createTopology, destroyTopology, listNamespaces } from '../../src/netem/topology.js';

const worker = fileURLToPath(new URL('./fixtures/netem-worker.mjs', import.meta.url));
const owner = fileURLToPath(new URL('./fixtures/netem-owner.ts', import.meta.url));

async function skipReason(): Promise<string | false> {
  try {
    await checkNetemSupport();
    return false;
  } catch (err) {
    return `needs root and iproute2 (CI has both): ${(err as Error).message}`;
  }
}
const skip = await skipReason();

async function namespacesOf(jobId: string): Promise<string[]> {
  return (await listNamespaces()).filter((n) => n.startsWith(`${jobId}-`));
}

test('a 2-rank network shapes both ends of each veth and one stream runs at about the rate; delete leaves nothing', { skip }, async () => {
  const topology = await createTopology({ worldSize: 2, rateBitsPerSec: 50e6 });
  try {
    assert.deepEqual((await namespacesOf(topology.jobId)).sort(), [`${topology.jobId}-r0`, `${topology.jobId}-r1`, `${topology.jobId}-sw`]);
    assert.deepEqual(topology.addresses, ['198.18.0.1', '198.18.0.2']);
    for (const [ns, dev] of [[topology.rankNamespaces[0], 'eth0'], [topology.rankNamespaces[1], 'eth0'], [topology.switchNamespace, 'p0'], [topology.switchNamespace, 'p1']]) {
      assert.match(execFileSync('tc', ['-n', ns, 'qdisc', 'show', 'dev', dev], { encoding: 'utf8' }), /tbf .*rate 50Mbit/, `${ns} ${dev}`);
    }
    const link = await measureLinkThroughput(topology, { durationMs: 1500, warmupMs: 300 });
    // 50 Mbit/s minus framing (1448/1514 at most); the band only catches "not shaped" or "broken".
    assert.ok(link.gbit > 0.5 * 0.05 && link.gbit < 1.1 * 0.05, `measured ${link.gbit} Gbit/s through a 50 Mbit tbf`);
    assert.ok(link.bytes > 0 && link.seconds > 0.5);
  } finally {
    assert.deepEqual(await destroyTopology(topology), []);
  }
  assert.deepEqual(await namespacesOf(topology.jobId), []);
});

test('launch --netem runs each rank in its own namespace, MASTER_ADDR is rank 0, and cleans up', { skip }, async () => {
  const events: LaunchEvent[] = [];
  const result = await launch({ nproc: 3, script: worker, netem: { rate: '100mbit' }, onEvent: (e) => events.push(e) });
  assert.equal(result.ok, true, JSON.stringify(events.filter((e) => e.type === 'output')));
  const ready = events.find((e) => e.type === 'netem-ready');
  assert.ok(ready && ready.type === 'netem-ready');
  const reports = events.flatMap((e) => (e.type === 'output' && e.line.startsWith('{') ? [JSON.parse(e.line) as { rank: number; eth0: string; master: string }] : []));
  assert.deepEqual(reports.sort((a, b) => a.rank - b.rank).map((r) => [r.eth0, r.master]), [
    ['198.18.0.1', '198.18.0.1:29500'], ['198.18.0.2', '198.18.0.1:29500'], ['198.18.0.3', '198.18.0.1:29500'],
  ]);
  const received = events.flatMap((e) => (e.type === 'output' && e.line.startsWith('from ') ? [e.line] : [])).sort();
  assert.deepEqual(received, ['from rank 1 at 198.18.0.2', 'from rank 2 at 198.18.0.3']);
  assert.deepEqual(await namespacesOf(ready.jobId), []);
});

test('namespaces are deleted when a worker fails and when the launch is aborted', { skip }, async () => {
  const jobIds: string[] = [];
  const failed = await launch({
    nproc: 2, script: worker, args: ['--sleep', '--exit-rank', '1', '--exit-code', '3'], netem: { rate: '1gbit' },
    onEvent: (e) => { if (e.type === 'netem-ready') jobIds.push(e.jobId); },
  });
  assert.deepEqual(failed.failure, { kind: 'worker-failed', rank: 1, exitCode: 3, signal: null, spawnError: undefined });

  const controller = new AbortController();
  let lines = 0;
  const aborted = await launch({
    nproc: 2, script: worker, args: ['--sleep'], netem: { rate: '1gbit' }, signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'netem-ready') jobIds.push(e.jobId);
      if (e.type === 'output' && ++lines === 2) controller.abort('SIGTERM');
    },
  });
  assert.equal(aborted.failure?.kind, 'interrupted');
  assert.equal(jobIds.length, 2);
  for (const id of jobIds) assert.deepEqual(await namespacesOf(id), [], id);
});

test('the sweep deletes the namespaces of a job that was killed and keeps those of live jobs', { skip }, async () => {
  const live = await createTopology({ worldSize: 1, rateBitsPerSec: 10e6 });
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', owner], { stdio: ['ignore', 'pipe', 'inherit'] });
    const names = await new Promise<string[]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(JSON.parse(out) as string[]); });
      child.once('exit', () => reject(new Error('owner exited before creating its network')));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    assert.equal(names.length, 3);
    const before = await listNamespaces();
    for (const n of names) assert.ok(before.includes(n), `${n} exists before the sweep`);
    const swept = await sweepStaleNamespaces();
    assert.deepEqual(names.filter((n) => !swept.deleted.includes(n)), []);
    const after = await listNamespaces();
    for (const n of names) assert.ok(!after.includes(n), `${n} deleted`);
    assert.ok(after.includes(live.switchNamespace), 'the live job keeps its namespaces');
  } finally {
    await destroyTopology(live);
  }
});
