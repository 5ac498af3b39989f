// `lion-cub bench compute`: one training step's compute in this process (ms, GFLOP/s, split by op type), and the
// dense-layer GEMM kernels on the products of an MLP's layers with plain and relaxed SIMD.

import { Command, Option } from 'commander';
import { machineInfo } from '../../bench/harness.js';
import { runComputeBench, type ComputeBenchRow } from '../../bench/compute/step.js';
import { gemmVariantsToBench, runGemmBench, type GemmBenchRow } from '../../bench/compute/gemm.js';
import { InvalidArgumentError } from '../../errors.js';
import { workloadNames } from '../../workloads/registry.js';
import { printTable } from '../table.js';

interface ComputeFlags { workload: string; workloadOptions?: string; batch: string; repeats: string; gemm: string; json?: boolean }

const HELP = `
The step is what a rank computes between gradient exchanges: parameters written into the model, forward,
backward, gradient into the flat buffer. GFLOP/s counts the step's matrix-product FLOPs (2·m·k·n each).
--gemm times X·W, dY·Wᵀ and Xᵀ·dY of each layer of an MLP with the given widths at --batch rows, with plain
SIMD and (when the engine has it) relaxed SIMD; "none" skips it. Compare with PyTorch side by side:
npx tsx bench/compute/vs-torch.ts.`;

export function registerBenchCompute(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench');
  bench
    .command('compute')
    .description('training-step compute in one process: ms, GFLOP/s, split by op type; dense GEMM kernels')
    .addOption(new Option('--workload <name>', `one of ${workloadNames().join(', ')}`).default('mnist-mlp'))
    .option('--workload-options <json>', 'workload options as JSON, e.g. \'{"hiddenUnits":[512,256]}\'')
    .addOption(new Option('--batch <n>', 'examples per step').default('32'))
    .addOption(new Option('--repeats <n>', 'timed steps (after two warm-ups)').default('15'))
    .addOption(new Option('--gemm <widths>', 'MLP layer widths for the GEMM kernels, or none').default('784,2048,1024,10'))
    .option('--json', 'one JSON object per measurement')
    .addHelpText('after', HELP)
    .action(async (flags: ComputeFlags) => {
      await benchCompute(flags);
    });
}

function positiveInt(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(flag, text, `an integer in 1..${max}`);
  return n;
}

function parseWorkloadOptions(text: string | undefined): object | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw new InvalidArgumentError('--workload-options', text, 'a JSON object such as {"hiddenUnits":[512,256]}');
}

function parseWidths(text: string): number[] | null {
  if (text === 'none') return null;
  const widths = text.split(',').map((s) => Number(s.trim()));
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 65536)) {
    throw new InvalidArgumentError('--gemm', text, 'comma-separated layer widths such as 784,2048,1024,10, or none');
  }
  return widths;
}

async function benchCompute(flags: ComputeFlags): Promise<void> {
  const batch = positiveInt('--batch', flags.batch, 4096);
  const repeats = positiveInt('--repeats', flags.repeats, 1000);
  const widths = parseWidths(flags.gemm);
  if (!workloadNames().includes(flags.workload)) throw new InvalidArgumentError('--workload', flags.workload, `one of ${workloadNames().join(', ')}`);
  const workloadOptions = parseWorkloadOptions(flags.workloadOptions);
  const machine = machineInfo();
  const step = await runComputeBench({ workload: flags.workload, workloadOptions, batch, repeats });
  const gemm: GemmBenchRow[] = widths ? gemmVariantsToBench().flatMap((v) => [...runGemmBench(widths, batch, repeats, v)]) : [];
  if (flags.json) {
    for (const row of [step, ...gemm]) process.stdout.write(`${JSON.stringify({ ...row, machine })}\n`);
    return;
  }
  process.stdout.write(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}\n`);
  printStep(step);
  if (gemm.length > 0) {
    process.stdout.write('\ndense-layer GEMM kernels:\n');
    printTable(gemm.map((r) => ({
      kernels: r.variant, product: r.product, layer: r.layer, 'm×k×n': `${r.m}×${r.k}×${r.n}`,
      'median ms': r.msMedian.toFixed(3), 'min ms': r.msMin.toFixed(3), 'GFLOP/s (median)': r.gflops.toFixed(1), 'GFLOP/s (best)': r.gflopsBest.toFixed(1),
    })));
  }
}

function printStep(r: ComputeBenchRow): void {
  process.stdout.write(`${r.workload} (${r.numParams} params), batch ${r.batch}, ${r.backend} backend, ${r.kernels} kernels, ` +
    `${r.paramsBound ? 'parameters bound to the flat buffer' : 'parameters copied from the flat buffer'}, ` +
    `${r.gradientsCopied} of ${r.numVariables} gradients copied into the flat buffer: ` +
    `median ${r.msMedian.toFixed(1)} ms (min ${r.msMin.toFixed(1)}, max ${r.msMax.toFixed(1)}; CPU time ${r.cpuMsMedian.toFixed(1)} ms), ` +
    `${r.matmulGflop.toFixed(3)} GFLOP of products = ${r.gflops.toFixed(1)} GFLOP/s\n\none profiled step by op type:\n`);
  const total = Object.values(r.split).reduce((a, b) => a + b, 0);
  printTable(Object.entries(r.split).sort((a, b) => b[1] - a[1]).map(([op, ms]) => ({
    op, ms: ms.toFixed(2), share: `${((100 * ms) / total).toFixed(1)}%`,
  })));
}
