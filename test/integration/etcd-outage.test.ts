// Two node launchers meet through a real etcd that then stops answering mid-run. Shorter than the job lease's TTL
// (but longer than read_timeout and the keep-alive timeout): training goes on, the launchers warn naming etcd, and
// the job completes in its first generation. Longer than the TTL: both launchers stop with a typed error, no hang.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipWithoutEtcd, startEtcd, type EtcdServer } from '../../src/comm/rendezvous/elastic/test-support/etcd-server.js';
import { generateJobToken } from '../../src/comm/transport/handshake.js';
import { jsonRecords, startNodeLauncher, until, type NodeLauncher } from './node-launchers.js';
import { childRanks, waitForExit } from './process-checks.js';

const NODE_LIMIT_MS = 180_000;
/** Each step blocks 20 ms (fixture), so a run of STEPS lasts at least STEPS × 20 ms. */
const slowStep = fileURLToPath(new URL('./fixtures/slow-step-workload.mjs', import.meta.url));

const lastStep = (n: NodeLauncher): number => Math.max(0, ...jsonRecords(n.stdout).filter((r) => r.type === 'step').map((r) => r.step as number));

/** Starts two launchers of one job against `etcd`, resolves once generation 0 runs past step 20 on both. */
async function startJob(etcd: EtcdServer, root: string, steps: number, conf: string): Promise<NodeLauncher[]> {
  const env = { ...process.env, RANK: undefined, WORLD_SIZE: undefined, LION_CUB_JOB_TOKEN: generateJobToken() };
  const args = [
    'train', '--workload', slowStep, '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":256}',
    '--batch', '16', '--lr', '0.01', '--steps', String(steps), '--eval-every', '0', '--out', join(root, 'run'), '--json',
    '--nproc', '1', '--nnodes', '2:2', '--rdzv-backend', 'etcd', '--rdzv-endpoint', etcd.endpoint, '--rdzv-id', 'outage-job', '--rdzv-conf', conf,
  ];
  const nodes = [0, 1].map(() => startNodeLauncher(args, env, NODE_LIMIT_MS));
  // Only rank 0 prints step records; both launchers must be in generation 0.
  await until('generation 0 under way', () => (nodes.every((n) => /generation 0: node [01] of 2/.test(n.stderr)) && nodes.some((n) => lastStep(n) >= 20) ? true : undefined), 120_000);
  return nodes;
}

async function stopAll(nodes: NodeLauncher[], etcd: EtcdServer, root: string): Promise<void> {
  for (const n of nodes) n.child.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.done));
  await etcd.stop();
  await rm(root, { recursive: true, force: true });
}

test('etcd stops answering for longer than read_timeout and the keep-alive timeout, shorter than the lease TTL: the job trains on and completes', { skip: skipWithoutEtcd, timeout: 240_000 }, async () => {
  const etcd = await startEtcd();
  const root = await mkdtemp(join(tmpdir(), 'lion-cub-etcd-outage-'));
  // 600 steps of >= 20 ms: the run outlasts the 9 s outage below, started at step 20. A lease renewed every 20/3 s
  // outlives 9 s without etcd; a node is lost after 6 s of keep-alive silence, and calls give up after 2 s.
  const nodes = await startJob(etcd, root, 600, 'read_timeout=2,ttl=20,keep_alive_interval=1,keep_alive_max_attempt=6');
  const etcdProcess = etcd.members[0].process;
  try {
    const leader = nodes.find((n) => lastStep(n) >= 20)!;
    etcdProcess.kill('SIGSTOP');
    const stepAtStop = lastStep(leader);
    await new Promise((r) => setTimeout(r, 9000));
    const stepAtResume = lastStep(leader);
    etcdProcess.kill('SIGCONT');
    const codes = await Promise.all(nodes.map((n) => n.done));
    const stderr = nodes.map((n) => n.stderr).join('\n');
    assert.deepEqual(codes, [0, 0], stderr);
    assert.ok(stepAtResume > stepAtStop, `training went on while etcd did not answer (step ${stepAtStop} → ${stepAtResume})`);
    for (const n of nodes) {
      assert.match(n.stderr, new RegExp(`lion-cub: warning: etcd at ${etcd.endpoint} out of reach for [\\d.]+ s \\(no answer to .* within 2000 ms; .*\\); the job carries on`), n.stderr);
      assert.match(n.stderr, new RegExp(`lion-cub: warning: etcd at ${etcd.endpoint} answers again after [\\d.]+ s out of reach`), n.stderr);
      assert.doesNotMatch(n.stderr, /membership changed|generation 1/, n.stderr);
    }
    const final = jsonRecords(leader.stdout).find((r) => r.final === true);
    assert.deepEqual([final?.steps, final?.worldSize], [600, 2]);
  } finally {
    etcdProcess.kill('SIGCONT');
    await stopAll(nodes, etcd, root);
  }
});

test('etcd gone for longer than the lease TTL: both launchers stop their workers and exit with a typed error, no hang', { skip: skipWithoutEtcd, timeout: 240_000 }, async () => {
  const etcd = await startEtcd();
  const root = await mkdtemp(join(tmpdir(), 'lion-cub-etcd-outage-'));
  const nodes = await startJob(etcd, root, 100_000, 'read_timeout=1,ttl=4,keep_alive_interval=1,keep_alive_max_attempt=6');
  try {
    const workers = nodes.flatMap((n) => [...childRanks(n.child.pid!).values()]);
    assert.equal(workers.length, 2, 'one worker per node');
    await etcd.members[0].kill();
    const codes = await Promise.all(nodes.map((n) => n.done));
    const stderr = nodes.map((n) => n.stderr).join('\n');
    assert.deepEqual(codes, [1, 1], stderr);
    for (const n of nodes) {
      assert.match(n.stderr, new RegExp(`lion-cub: warning: etcd at ${etcd.endpoint} out of reach for`), n.stderr);
      assert.match(n.stderr, new RegExp(`the etcd rendezvous failed: etcd at ${etcd.endpoint}: out of reach, and the job lease \\(ttl=4 s\\) was last renewed [\\d.]+ s ago, so etcd may have dropped the rendezvous state`), n.stderr);
    }
    assert.deepEqual(await waitForExit(workers, 10_000), [], 'the workers were stopped');
  } finally {
    await stopAll(nodes, etcd, root);
  }
});
