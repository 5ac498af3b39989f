// `bench/node-loss-time.ts`: how long an elastic job on etcd takes to train again after losing a node. Three
// `lion-cub train --nproc 1 --nnodes 2:3 --rdzv-backend etcd` launchers on loopback with a real etcd; once node 0
// (the first to join) reports step 100 it is SIGKILLed with its worker, and the time runs until the new node 0
// prints its first step of the next generation. The rendezvous timing is the default unless --rdzv-conf says
// otherwise: a lost node is noticed after keep_alive_interval × keep_alive_max_attempt (5 s × 3), most of the
// figure; the next round closes as soon as both survivors are back, then their workers start and resume.
//
// (bench/elastic-rejoin.ts measures the builtin backend, losing a node other than the host, and a node joining.)
//
// Run: npx tsx bench/node-loss-time.ts [--trials 5] [--rdzv-conf k=v,...] [--json]   (needs etcd: apt-get install etcd-server)
// Bounded: each trial's launchers are killed after 180 s at the latest.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEtcd } from '../src/comm/rendezvous/elastic/test-support/etcd-server.js';
import { generateJobToken } from '../src/comm/transport/handshake.js';
import { median } from '../src/stats.js';
import { jsonRecords, startNodeLauncher, type NodeLauncher } from '../test/integration/node-launchers.js';
import { childRanks } from '../test/integration/process-checks.js';

const LIMIT_MS = 180_000;
const KILL_AT_STEP = 100;

async function poll<T>(what: string, find: () => T | undefined, nodes: NodeLauncher[]): Promise<T> {
  const deadline = performance.now() + LIMIT_MS;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (performance.now() > deadline) {
      throw new Error(`${what} did not happen within ${LIMIT_MS / 1000} s:\n${nodes.map((n, i) => `--- node ${i}\n${n.stderr.slice(-2000)}`).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One trial: milliseconds from the SIGKILL of node 0 to the first step of the next generation. */
async function trial(rdzvConf: string | undefined): Promise<number> {
  const etcd = await startEtcd();
  const out = await mkdtemp(join(tmpdir(), 'lion-cub-node-loss-'));
  const args = ['train', '--workload', 'synthetic', '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":256}',
    '--batch', '16', '--lr', '0.01', '--steps', '100000', '--checkpoint-every', '50', '--out', out, '--json',
    '--nproc', '1', '--nnodes', '2:3', '--rdzv-backend', 'etcd', '--rdzv-endpoint', etcd.endpoint, '--rdzv-id', 'bench',
    ...(rdzvConf ? ['--rdzv-conf', rdzvConf] : [])];
  const env = { ...process.env, RANK: undefined, WORLD_SIZE: undefined, LION_CUB_JOB_TOKEN: generateJobToken() };
  const nodes = [0, 1, 2].map(() => startNodeLauncher(args, env, LIMIT_MS));
  const steps = (n: NodeLauncher) => jsonRecords(n.stdout).filter((r) => r.type === 'step').length;
  try {
    const first = await poll('node 0 at step 100', () => nodes.find((n) => /generation \d+: node 0 of 3\b/.test(n.stderr)
      && jsonRecords(n.stdout).some((r) => r.type === 'step' && (r.step as number) >= KILL_AT_STEP)), nodes);
    const pids = [first.child.pid!, ...childRanks(first.child.pid!).values()];
    const survivors = nodes.filter((n) => n !== first);
    const before = survivors.map(steps);
    const killedAt = performance.now();
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    // A survivor that prints steps again holds rank 0 of the next generation.
    await poll('training again', () => survivors.find((n, i) => steps(n) > before[i] && jsonRecords(n.stdout).some((r) => r.type === 'restart')), nodes);
    return performance.now() - killedAt;
  } finally {
    for (const n of nodes) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.done));
    await etcd.stop();
    await rm(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { trials: { type: 'string', default: '5' }, 'rdzv-conf': { type: 'string' }, json: { type: 'boolean', default: false } } });
  const times: number[] = [];
  for (let i = 0; i < Number(values.trials); i++) {
    times.push(await trial(values['rdzv-conf']));
    if (!values.json) console.error(`trial ${i + 1}: ${(times.at(-1)! / 1000).toFixed(2)} s`);
  }
  const result = { rdzvConf: values['rdzv-conf'] ?? 'defaults', seconds: times.map((t) => +(t / 1000).toFixed(2)), medianSeconds: +(median(times) / 1000).toFixed(2) };
  if (values.json) console.log(JSON.stringify(result));
  else console.log(`SIGKILL of node 0 (etcd rendezvous, 3 → 2 nodes, --rdzv-conf ${result.rdzvConf}) → training again: ${result.seconds.join(', ')} s; median ${result.medianSeconds} s`);
}

await main();
