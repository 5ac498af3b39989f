// `bench/comm/vs-gloo.ts`: lion-cub's float32 ring allreduce beside torch.distributed's gloo allreduce, same ranks,
// same size, plain loopback, alternating in one run, and the ratio of their bus bandwidths.
//
// Each round runs gloo (gloo_allreduce.py beside this file, N Python processes, one thread each) and then
// `lion-cub bench comm --op allreduce` once per --transport-security mode (gloo's sockets carry plain bytes: `none`
// is the same condition, `encrypt` is lion-cub's default). busbw = S/t · 2(N−1)/N with t the median over
// iterations of the slowest rank's time, on both sides. Needs `python3-torch` and a built package (npm run build).
//
// `--kernels wasm,js` also runs lion-cub with LION_CUB_KERNELS=js (the JS reference reductions) for comparison;
// `--direct-reads on,off` also runs it with LION_CUB_DIRECT_READS=off (socket chunks copied into recv buffers).
// Besides busbw it prints CPU time per allreduce, all ranks added up (user + system, every thread), on both
// sides: with more ranks than cores the op is CPU-bound, and that ratio moves much less with the machine's load.
//
// Run: npx tsx bench/comm/vs-gloo.ts [--nproc 4] [--mib 64] [--iters 5] [--rounds 3] [--security none,encrypt]
//      [--kernels wasm] [--direct-reads on] [--python /usr/bin/python3]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../../src/bench/harness.js';
import { findFreePort } from '../../src/launch/free-port.js';
import { median } from '../../src/stats.js';
import { countFlag, flagValue } from '../script-flags.js';

const argv = process.argv.slice(2);
const nproc = countFlag(argv, '--nproc', 4, 64);
const mib = countFlag(argv, '--mib', 64, 1024);
const iters = countFlag(argv, '--iters', 5, 1000);
const rounds = countFlag(argv, '--rounds', 3, 100);
const modes = flagValue(argv, '--security', 'none,encrypt').split(',');
const kernels = flagValue(argv, '--kernels', 'wasm').split(',');
if (kernels.some((k) => k !== 'wasm' && k !== 'js')) throw new Error(`--kernels: a comma list of wasm and js, got ${kernels.join(',')}`);
const directReads = flagValue(argv, '--direct-reads', 'on').split(',');
if (directReads.some((d) => d !== 'on' && d !== 'off')) throw new Error(`--direct-reads: a comma list of on and off, got ${directReads.join(',')}`);
const python = flagValue(argv, '--python', '/usr/bin/python3');
const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);

/** busbw (GB/s, median over iterations) and CPU ms per op of all ranks together (median; null if not reported). */
interface Measured {
  busbw: number;
  cpuMs: number | null;
}

/** gloo's figures over `iters`, from rank 0's JSON line. */
async function runGloo(): Promise<Measured> {
  const script = fileURLToPath(new URL('./gloo_allreduce.py', import.meta.url));
  const port = await findFreePort('127.0.0.1');
  const children: ChildProcess[] = [];
  const ranks = Array.from({ length: nproc }, (_, rank) => new Promise<string>((resolve, reject) => {
    const env = { ...process.env, RANK: String(rank), WORLD_SIZE: String(nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), GLOO_SOCKET_IFNAME: 'lo', OMP_NUM_THREADS: '1' };
    const child = spawn(python, [script, String(mib), String(iters), '2'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`gloo rank ${rank} exited with ${code} (is python3-torch installed?)`))));
  }));
  // One failed rank leaves the others blocked in gloo's rendezvous (30 min by default): end them with it.
  const outputs = await Promise.all(ranks).catch((error: unknown) => {
    for (const child of children) child.kill('SIGKILL');
    throw error;
  });
  const row = JSON.parse(outputs[0].trim()) as { busbw: number; cpuMs?: number };
  return { busbw: row.busbw, cpuMs: row.cpuMs ?? null };
}

/** lion-cub's figures for one transport security mode, reduction kernels and read mode. */
function runLionCub(mode: string, kernel: string, direct: string): Measured {
  const args = [cli, 'bench', 'comm', '--nproc', String(nproc), '--op', 'allreduce', '--sizes', `${mib}M`, '--iters', String(iters), '--transport-security', mode, '--json'];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000, env: { ...process.env, LION_CUB_KERNELS: kernel, LION_CUB_DIRECT_READS: direct } });
  if (child.status !== 0) throw new Error(`lion-cub bench comm failed: ${child.stderr}`);
  const row = JSON.parse(child.stdout.trim().split('\n').pop()!) as { busbw: number; cpuMs: number | null; wrong: number };
  if (row.wrong !== 0) throw new Error(`lion-cub allreduce gave ${row.wrong} wrong elements`);
  return { busbw: row.busbw, cpuMs: row.cpuMs };
}

const stats = (xs: number[]): string => xs.length === 0 ? 'n/a' : `min ${Math.min(...xs).toFixed(2)} median ${median(xs).toFixed(2)} max ${Math.max(...xs).toFixed(2)}`;
const cpuText = (m: Measured): string => (m.cpuMs === null ? '' : `, cpu ${m.cpuMs.toFixed(0)} ms`);

const machine = machineInfo();
process.stdout.write(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}; ${nproc} ranks, ${mib} MiB float32, loopback\n`);
const cases = modes.flatMap((mode) => kernels.flatMap((kernel) => directReads.map((direct) => ({
  mode, kernel, direct, label: `${mode}, ${kernel}${directReads.length > 1 || direct === 'off' ? `, direct reads ${direct}` : ''}`,
}))));
const busRatios = new Map<string, number[]>(cases.map((c) => [c.label, []]));
const cpuRatios = new Map<string, number[]>(cases.map((c) => [c.label, []]));
for (let round = 1; round <= rounds; round++) {
  const gloo = await runGloo();
  const line = [`round ${round}: gloo busbw ${gloo.busbw.toFixed(3)} GB/s${cpuText(gloo)}`];
  for (const { mode, kernel, direct, label } of cases) {
    const ours = runLionCub(mode, kernel, direct);
    busRatios.get(label)!.push(ours.busbw / gloo.busbw);
    if (ours.cpuMs !== null && gloo.cpuMs !== null) cpuRatios.get(label)!.push(ours.cpuMs / gloo.cpuMs);
    line.push(`lion-cub (${label}) ${ours.busbw.toFixed(3)} GB/s = ${(ours.busbw / gloo.busbw).toFixed(2)}x${cpuText(ours)}`);
  }
  process.stdout.write(`${line.join('; ')}\n`);
}
for (const [label, r] of busRatios) process.stdout.write(`lion-cub (${label}) / gloo busbw over ${rounds} rounds: ${stats(r)}\n`);
for (const [label, r] of cpuRatios) process.stdout.write(`lion-cub (${label}) / gloo CPU time per allreduce over ${rounds} rounds: ${stats(r)}\n`);
