// Three node launchers meet through a real etcd (--rdzv-backend etcd); the node that joined first, which also hosts
// the workers' store, is SIGKILLed mid-run with its worker, and the other two continue at the next generation from
// the last checkpoint and finish the job.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipWithoutEtcd, startEtcd } from '../../src/comm/rendezvous/elastic/test-support/etcd-server.js';
import { generateJobToken } from '../../src/comm/transport/handshake.js';
import { jsonRecords, startNodeLauncher, until, type NodeLauncher } from './node-launchers.js';
import { childRanks, waitForExit } from './process-checks.js';

const STEPS = 400;
const NODE_LIMIT_MS = 240_000;

test('etcd rendezvous: SIGKILL of the node that joined first mid-run; the job continues on 2 nodes and completes', { skip: skipWithoutEtcd, timeout: 300_000 }, async () => {
  const etcd = await startEtcd();
  const root = await mkdtemp(join(tmpdir(), 'lion-cub-etcd-job-'));
  const env = { ...process.env, RANK: undefined, WORLD_SIZE: undefined, LION_CUB_JOB_TOKEN: generateJobToken() };
  // One --out for every node, as a shared file system would be: the survivors resume from the checkpoints of all.
  const args = [
    '--workload', 'synthetic', '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":256}',
    '--batch', '16', '--lr', '0.01', '--steps', String(STEPS), '--checkpoint-every', '20', '--out', join(root, 'run'), '--json',
    '--nproc', '1', '--nnodes', '2:3', '--rdzv-backend', 'etcd', '--rdzv-endpoint', etcd.endpoint, '--rdzv-id', 'etcd-job',
    // A lost node is noticed after 8 s of silence (room for a starved launcher on a busy machine); a round with 2 of
    // at most 3 nodes closes after 10 s.
    '--rdzv-conf', 'last_call_timeout=10,keep_alive_interval=1,keep_alive_max_attempt=8',
  ];
  const nodes = [0, 1, 2].map(() => startNodeLauncher(['train', ...args], env, NODE_LIMIT_MS));
  const records = (n: NodeLauncher) => jsonRecords(n.stdout);
  try {
    // Ranks follow the order of joining, so node 0 of the round is the node that joined first.
    const first = await until('a 3-node round under way', () => nodes.find((n) => /generation \d+: node 0 of 3\b/.test(n.stderr)
      && records(n).some((r) => r.type === 'step' && (r.step as number) >= 100)), 180_000);
    const workers = [...childRanks(first.child.pid!).values()];
    assert.equal(workers.length, 1, 'the first node runs one worker');
    for (const pid of [first.child.pid!, ...workers]) process.kill(pid, 'SIGKILL');
    assert.deepEqual(await waitForExit([first.child.pid!, ...workers], 10_000), [], 'the first node and its worker are gone');

    const survivors = nodes.filter((n) => n !== first);
    const codes = await Promise.all(survivors.map((n) => n.done));
    assert.deepEqual(codes, [0, 0], survivors.map((n) => n.stderr).join('\n'));
    for (const n of survivors) {
      assert.match(n.stderr, /lion-cub: generation (\d+): node [01] of 2, world size 2 \(node \S+ \(no keep-alive for [\d.]+ s\) lost at generation \d+; 3 → 2 nodes\)/, n.stderr);
    }
    const leader = survivors.find((n) => records(n).some((r) => r.final === true));
    assert.ok(leader, `a survivor printed the summary:\n${survivors.map((n) => n.stderr).join('\n')}`);
    const out = records(leader);
    const restart = out.find((r) => r.type === 'restart');
    // The newest step every rank of generation 0 holds intact: one of the checkpoints (every 20 steps) before the kill.
    assert.ok(restart && (restart.step as number) >= 20 && typeof restart.resumedFrom === 'string', `resumed from a checkpoint: ${JSON.stringify(restart)}`);
    const resize = out.find((r) => r.type === 'elastic-resume');
    assert.deepEqual([resize?.fromWorldSize, resize?.toWorldSize], [3, 2]);
    const final = out.find((r) => r.final === true)!;
    assert.deepEqual([final.steps, final.worldSize], [STEPS, 2]);
  } finally {
    for (const n of nodes) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.done));
    await etcd.stop();
    await rm(root, { recursive: true, force: true });
  }
});
