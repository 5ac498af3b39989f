// Failures in an elastic launch (`lion-cub run --nnodes MIN:MAX`, builtin rendezvous, two nodes on loopback): a
// worker failure uses a restart on its own node only, exhausted restarts close the job for every node, and a node
// left below MIN fails with a clear message once the join timeout passes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../src/comm/test-support/free-port.js';
import { fileURLToPath } from 'node:url';
import { startNodeLauncher, type NodeLauncher } from './node-launchers.js';

const worker = fileURLToPath(new URL('./fixtures/elastic-worker.mjs', import.meta.url));
const LIMIT_MS = 120_000;

type Node = NodeLauncher;

const CONF = 'last_call_timeout=1,keep_alive_interval=0.3,keep_alive_max_attempt=10,join_timeout=6';

function startNode(port: number, extra: string[], env: Record<string, string> = {}, conf = CONF): Node {
  return startNodeLauncher(['run', '--nproc', '1', '--nnodes', '2:2', '--rdzv-endpoint', `127.0.0.1:${port}`, '--rdzv-id', 'failures',
    '--rdzv-conf', conf, '--grace-ms', '500', ...extra, worker,
  ], { ...process.env, LION_CUB_JOB_TOKEN: 'f00dfeedc0ffee0123456789abcdef42', ...env }, LIMIT_MS);
}

/** Two nodes running generation 0: the one serving the rendezvous first. */
async function runningPair(): Promise<[Node, Node]> {
  const port = await freePort();
  const nodes = [startNode(port, []), startNode(port, [])];
  const deadline = Date.now() + LIMIT_MS;
  while (!nodes.every((n) => /generation 0: node \d of 2/.test(n.stderr)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return /serves it/.test(nodes[0].stderr) ? [nodes[0], nodes[1]] : [nodes[1], nodes[0]];
}

/** Two nodes; the worker of node rank 1 fails at generation 0. */
async function failingPair(extra: string[], conf = CONF): Promise<{ failed: Node; other: Node; statuses: (number | null)[] }> {
  const port = await freePort();
  const nodes = [startNode(port, extra, { FAIL_NODE: '1' }, conf), startNode(port, extra, { FAIL_NODE: '1' }, conf)];
  const statuses = await Promise.all(nodes.map((n) => n.done));
  const failed = nodes.find((n) => /generation 0: node 1 of 2/.test(n.stderr));
  assert.ok(failed, nodes.map((n) => n.stderr).join('\n---\n'));
  const at = nodes.indexOf(failed);
  return { failed, other: nodes[1 - at], statuses: [statuses[at], statuses[1 - at]] };
}

test('a worker failure uses a restart on its node only; the other node follows into the next generation', async () => {
  const { failed, other, statuses } = await failingPair(['--max-restarts', '1']);
  assert.deepEqual(statuses, [0, 0], `${failed.stderr}\n---\n${other.stderr}`);
  assert.match(failed.stderr, /rank 1 exited with status 3; every worker was stopped, restarting them as generation 1 \(restart 1 of at most 1/);
  assert.match(other.stderr, /membership changed during generation 0: another node opened generation 1: on node \S+: rank 1 exited with status 3/);
  assert.doesNotMatch(other.stderr, /restarting them/);
  for (const n of [failed, other]) assert.match(n.stderr, /generation 1: node \d of 2, world size 2 \(on node \S+: rank 1 exited with status 3\)/);
});

test('a worker crash with every node alive restarts without waiting out the keep-alive timeout', async () => {
  // A keep-alive timeout of 30 minutes, far past the test's limit: only the confirmation that no node is lost (the
  // failed node reported first and the other node's keep-alive moved since) lets the restart happen in time.
  const { failed, other, statuses } = await failingPair(['--max-restarts', '1'], 'last_call_timeout=1,keep_alive_interval=0.3,keep_alive_max_attempt=6000,join_timeout=60');
  assert.deepEqual(statuses, [0, 0], `${failed.stderr}\n---\n${other.stderr}`);
  assert.match(failed.stderr, /rank 1 exited with status 3; every worker was stopped, restarting them as generation 1 \(restart 1 of at most 1/);
  assert.match(other.stderr, /membership changed during generation 0: another node opened generation 1: on node \S+: rank 1 exited with status 3/);
});

test('restarts used up on one node close the job for every node', async () => {
  const { failed, other, statuses } = await failingPair([]);
  assert.deepEqual(statuses, [1, 1]);
  assert.match(failed.stderr, /rank 1 exited with status 3; the other workers were stopped/);
  assert.match(other.stderr, /job "failures" was closed: node \S+ failed at generation 0 after 0 of at most 0 restarts: rank 1 exited with status 3/);
});

test('a node left below MIN fails after the join timeout naming how many joined', async () => {
  const [host, lost] = await runningPair();
  lost.child.kill('SIGKILL');
  assert.equal(await host.done, 1, host.stderr);
  assert.match(host.stderr, /node \S+ \(no keep-alive for [\d.]+ s\) lost at generation 0; 2 → 1 nodes/);
  assert.match(host.stderr, /only 1 of the minimum 2 nodes joined round 1 within \d+ s .*lower MIN in --nnodes 2:2/);
});

test('with the builtin backend, losing the node that serves the rendezvous ends the job with a message saying so', async () => {
  const [host, other] = await runningPair();
  host.child.kill('SIGKILL');
  assert.equal(await other.done, 1, other.stderr);
  assert.match(other.stderr, /the builtin rendezvous failed: .*the node serving the builtin rendezvous is gone or unreachable, which ends the job; --rdzv-backend etcd survives/);
});
