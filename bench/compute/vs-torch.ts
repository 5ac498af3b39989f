// `bench/compute/vs-torch.ts`: lion-cub's training-step compute and dense GEMM kernels beside PyTorch's, in one run.
//
// Runs the mnist-mlp network (784-2048-1024-10 by default) in this process (`lion-cub bench compute`'s
// measurements) and in PyTorch (torch_compute.py beside this file, one thread, whatever BLAS Debian's
// libblas.so.3 points at: it is printed), alternating rounds so both see the same load, then prints the
// ratios. Needs `python3-torch` (and `libopenblas0-pthread` for OpenBLAS); without it only lion-cub's side runs.
//
// Run: npx tsx bench/compute/vs-torch.ts [--batch 32] [--repeats 15] [--rounds 3] [--python /usr/bin/python3] [--json]

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineInfo, summarize } from '../../src/bench/harness.js';
import { runComputeBench } from '../../src/bench/compute/step.js';
import { gemmVariantsToBench, runGemmBench, type GemmBenchRow } from '../../src/bench/compute/gemm.js';
import { countFlag, flagValue } from '../script-flags.js';

interface TorchRow { what: 'blas' | 'step' | 'gemm'; product?: string; layer?: number; msMedian?: number; msMin?: number; cpuMsMedian?: number; gflopsBest?: number; libraries?: string[]; torch?: string }

const argv = process.argv.slice(2);
const batch = countFlag(argv, '--batch', 32, 4096);
const repeats = countFlag(argv, '--repeats', 15, 4096);
const rounds = countFlag(argv, '--rounds', 3, 4096);
const python = flagValue(argv, '--python', '/usr/bin/python3');
const json = argv.includes('--json');
const widths = [784, 2048, 1024, 10];

function runTorch(): TorchRow[] | null {
  const script = fileURLToPath(new URL('./torch_compute.py', import.meta.url));
  const child = spawnSync(python, [script, '--layers', widths.join(','), '--batch', String(batch), '--repeats', String(repeats)], {
    encoding: 'utf8', timeout: 600_000, env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (child.status !== 0) {
    process.stderr.write(`PyTorch side skipped (${python} ${script} failed: ${(child.stderr || child.error?.message || '').trim().split('\n').pop()})\n`);
    return null;
  }
  return child.stdout.trim().split('\n').map((line) => JSON.parse(line) as TorchRow);
}

const machine = machineInfo();
const variants = gemmVariantsToBench();
const ours: number[] = [];
const theirs: number[] = [];
const oursMin: number[] = [];
const theirsMin: number[] = [];
const oursCpu: number[] = [];
const theirsCpu: number[] = [];
const ourGemm = new Map<string, number[]>();
const theirGemm = new Map<string, number[]>();
let blas: TorchRow | undefined;
let kernels = '';
for (let round = 0; round < rounds; round++) {
  const step = await runComputeBench({ workload: 'mnist-mlp', batch, repeats });
  kernels = step.kernels;
  ours.push(step.msMedian);
  oursMin.push(step.msMin);
  oursCpu.push(step.cpuMsMedian);
  for (const v of variants) {
    for (const r of runGemmBench(widths, batch, repeats, v)) push(ourGemm, `${v} ${r.product} ${r.layer}`, r.gflopsBest);
  }
  const torch = runTorch();
  if (!torch) continue;
  blas = torch.find((r) => r.what === 'blas');
  const torchStep = torch.find((r) => r.what === 'step')!;
  theirs.push(torchStep.msMedian!);
  theirsMin.push(torchStep.msMin!);
  theirsCpu.push(torchStep.cpuMsMedian!);
  for (const r of torch.filter((t) => t.what === 'gemm')) push(theirGemm, `${r.product} ${r.layer}`, r.gflopsBest!);
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}
const median = (xs: number[]): number => summarize(xs).medianMs;
const least = (xs: number[]): number | null => (xs.length ? Math.min(...xs) : null);

const products: GemmBenchRow['product'][] = ['X·W', 'dY·Wᵀ', 'Xᵀ·dY'];
const gemmRows = variants.flatMap((v) => [0, 1, 2].flatMap((layer) => products.map((product) => {
  const lc = Math.max(...ourGemm.get(`${v} ${product} ${layer}`)!);
  const pt = theirGemm.has(`${product} ${layer}`) ? Math.max(...theirGemm.get(`${product} ${layer}`)!) : null;
  return { what: 'gemm', kernels: v, product, layer, lionCubGflopsBest: lc, torchGflopsBest: pt, ratio: pt ? lc / pt : null };
})));
const stepRow = {
  what: 'step', workload: 'mnist-mlp', batch, kernels, rounds,
  lionCubMs: median(ours), torchMs: theirs.length ? median(theirs) : null,
  ratio: theirs.length ? median(ours) / median(theirs) : null,
  lionCubMinMs: least(oursMin), torchMinMs: least(theirsMin),
  ratioOfMins: theirsMin.length ? least(oursMin)! / least(theirsMin)! : null,
  lionCubCpuMs: median(oursCpu), torchCpuMs: theirsCpu.length ? median(theirsCpu) : null,
  ratioOfCpu: theirsCpu.length ? median(oursCpu) / median(theirsCpu) : null,
  lionCubRoundsMs: ours, torchRoundsMs: theirs, torchBlas: blas?.libraries ?? null, torchVersion: blas?.torch ?? null,
};
if (json) {
  for (const row of [stepRow, ...gemmRows]) process.stdout.write(`${JSON.stringify({ ...row, machine })}\n`);
} else {
  const f = (x: number | null, d = 1) => (x === null ? '—' : x.toFixed(d));
  process.stdout.write(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}; torch ${stepRow.torchVersion ?? '—'}, BLAS ${stepRow.torchBlas?.join(' ') ?? '—'}\n`);
  process.stdout.write(`mnist-mlp forward+backward, batch ${batch}, medians of ${rounds} alternating rounds (each a median of ${repeats} steps):\n`);
  process.stdout.write(`  lion-cub (${kernels} kernels) ${f(stepRow.lionCubMs)} ms [${ours.map((x) => x.toFixed(1)).join(', ')}], ` +
    `PyTorch ${f(stepRow.torchMs)} ms [${theirs.map((x) => x.toFixed(1)).join(', ')}], lion-cub / PyTorch = ${f(stepRow.ratio, 2)}×\n`);
  process.stdout.write(`  CPU time per step (medians): lion-cub ${f(stepRow.lionCubCpuMs)} ms, PyTorch ${f(stepRow.torchCpuMs)} ms, ratio ${f(stepRow.ratioOfCpu, 2)}×\n`);
  process.stdout.write(`  fastest single steps: lion-cub ${f(stepRow.lionCubMinMs)} ms, PyTorch ${f(stepRow.torchMinMs)} ms, ratio ${f(stepRow.ratioOfMins, 2)}×\n`);
  process.stdout.write('dense products, GFLOP/s of the fastest repeat over all rounds (lion-cub / PyTorch):\n');
  for (const r of gemmRows) {
    process.stdout.write(`  ${r.kernels.padEnd(7)} layer ${r.layer} ${r.product.padEnd(6)} ${f(r.lionCubGflopsBest).padStart(6)} / ${f(r.torchGflopsBest).padStart(6)} = ${f(r.ratio, 2)}×\n`);
  }
}
