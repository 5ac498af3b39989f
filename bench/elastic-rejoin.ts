// `bench/elastic-rejoin.ts`: how long an elastic `lion-cub train --nnodes 2:3` (three node launchers, one worker each,
// builtin rendezvous on loopback) takes to train again after a node is lost (SIGKILL of a non-host node's launcher
// and worker → first step of the next generation on node 0), and to admit a new node (start of its launcher → first
// step of the generation that includes it).
//
// Run: npx tsx bench/elastic-rejoin.ts [--trials 3] [--rdzv-conf k=v,...] [--json]
// Default --rdzv-conf is lion-cub's defaults (keep-alive 5 s × 3, last call 10 s). Bounded: a trial is killed after 240 s.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../src/comm/test-support/free-port.js';
import { median } from '../src/stats.js';
import { childRanks } from '../test/integration/process-checks.js';

const cliMain = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const TRIAL_LIMIT_MS = 240_000;

interface NodeProcess { child: ChildProcess; stderr: string; lines: Array<{ at: number; line: string }> }

function startNode(args: string[]): NodeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'train', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RANK: undefined, WORLD_SIZE: undefined, LION_CUB_JOB_TOKEN: process.env.LION_CUB_JOB_TOKEN ?? 'f00dfeedc0ffee0123456789abcdef42' },
  });
  const node: NodeProcess = { child, stderr: '', lines: [] };
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) node.lines.push({ at: performance.now(), line });
  });
  child.stderr!.on('data', (d: Buffer) => { node.stderr += d.toString(); });
  return node;
}

/** Resolves with the time `check` first holds (polled every 20 ms); throws after the trial's limit. */
async function when(what: string, check: () => number | undefined, deadline: number): Promise<number> {
  for (;;) {
    const at = check();
    if (at !== undefined) return at;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The time node 0 printed its first step of generation `g` (its first step record after that restart record). */
function firstStepOf(node: NodeProcess, g: number): number | undefined {
  const restart = node.lines.findIndex(({ line }) => line.startsWith('{"type":"restart"') && (JSON.parse(line) as { generation: number }).generation === g);
  return restart < 0 ? undefined : node.lines.slice(restart).find(({ line }) => line.startsWith('{"type":"step"'))?.at;
}

async function trial(conf: string): Promise<{ lossMs: number; joinMs: number }> {
  const out = await mkdtemp(join(tmpdir(), 'lion-cub-elastic-bench-'));
  const args = [
    '--workload', 'synthetic', '--workload-options', '{"numParams":2000,"inputSize":12,"numClasses":4,"numExamples":512}', '--batch', '24', '--lr', '0.01',
    '--nproc', '1', '--steps', '1000000', '--checkpoint-every', '20', '--out', out, '--json',
    '--nnodes', '2:3', '--rdzv-endpoint', `127.0.0.1:${await freePort()}`, '--rdzv-id', 'bench', ...(conf ? ['--rdzv-conf', conf] : []),
  ];
  const deadline = performance.now() + TRIAL_LIMIT_MS;
  const nodes = [startNode(args)];
  try {
    await when('the host', () => (/serves it/.test(nodes[0].stderr) ? 0 : undefined), deadline);
    nodes.push(startNode(args), startNode(args));
    const steps = (): number => nodes[0].lines.filter(({ line }) => line.startsWith('{"type":"step"')).length;
    await when('generation 0 of 3 nodes', () => (nodes.every((n) => /generation 0: node \d of 3/.test(n.stderr)) && steps() >= 30 ? 0 : undefined), deadline);
    const victim = nodes.find((n) => /generation 0: node [12] of 3/.test(n.stderr) && !/serves it/.test(n.stderr))!;
    const workers = [...childRanks(victim.child.pid!).values()];
    const killedAt = performance.now();
    victim.child.kill('SIGKILL');
    for (const pid of workers) process.kill(pid, 'SIGKILL');
    const lossMs = (await when('generation 1 to train', () => firstStepOf(nodes[0], 1), deadline)) - killedAt;
    const startedAt = performance.now();
    nodes.push(startNode(args));
    const joinMs = (await when('generation 2 to train', () => firstStepOf(nodes[0], 2), deadline)) - startedAt;
    return { lossMs, joinMs };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${nodes.map((n, i) => `--- node ${i}\n${n.stderr.slice(-2000)}`).join('\n')}`);
  } finally {
    for (const n of nodes) n.child.kill('SIGKILL');
    await rm(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { trials: { type: 'string', default: '3' }, 'rdzv-conf': { type: 'string', default: '' }, json: { type: 'boolean', default: false } } });
  const results: Array<{ lossMs: number; joinMs: number }> = [];
  for (let i = 0; i < Number(values.trials); i++) {
    results.push(await trial(values['rdzv-conf']!));
    if (!values.json) process.stderr.write(`trial ${i + 1}: node lost → training ${(results.at(-1)!.lossMs / 1000).toFixed(2)} s; new node started → training with it ${(results.at(-1)!.joinMs / 1000).toFixed(2)} s\n`);
  }
  const summary = {
    rdzvConf: values['rdzv-conf'] || 'defaults',
    lossToTrainingMs: results.map((r) => Math.round(r.lossMs)), lossToTrainingMedianMs: Math.round(median(results.map((r) => r.lossMs))),
    joinToTrainingMs: results.map((r) => Math.round(r.joinMs)), joinToTrainingMedianMs: Math.round(median(results.map((r) => r.joinMs))),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(`node lost (SIGKILL) → first step of the next generation on node 0: median ${(summary.lossToTrainingMedianMs / 1000).toFixed(2)} s over ${results.length} (--rdzv-conf ${summary.rdzvConf})\n`);
    process.stdout.write(`new node launcher started → first step of the generation with it: median ${(summary.joinToTrainingMedianMs / 1000).toFixed(2)} s over ${results.length}\n`);
  }
}

await main();
