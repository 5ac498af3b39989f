// `lion-cub bench comm`: launches N ranks running the collective benchmark and prints rank 0's rows (table or JSON lines).

import { Command, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../../../bench/harness.js';
import { BENCH_DTYPES, BENCH_OPS, type BenchOp } from '../../../bench/comm/ops.js';
import { parseSizes } from '../../../bench/comm/sizes.js';
import { decodeRow, workerScriptUrl, type CommBenchConfig } from '../../../bench/comm/worker-config.js';
import type { CommBenchRow } from '../../../bench/comm/summary.js';
import type { DType } from '../../comm/codes.js';
import { InvalidArgumentError } from '../../errors.js';
import { describeFailure, launch } from '../../launch/launch.js';
import { JOB_TOKEN_ENV } from '../../launch/launch-plan.js';
import { parseRate } from '../../netem/rate.js';
import { EXIT_FAILURE } from '../run-cli.js';
import { printTable } from '../table.js';

interface BenchCommFlags {
  nproc: string;
  op: string;
  dtype: string;
  sizes: string;
  iters: string;
  warmup: string;
  timeoutMs: string;
  netem?: string;
  json?: boolean;
}

export function registerBenchComm(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench');
  bench
    .command('comm')
    .description('time collectives across --nproc local ranks (nccl-tests algbw/busbw), optionally over an emulated network')
    .addOption(new Option('--nproc <n>', 'ranks (local worker processes)').default('2'))
    .addOption(new Option('--op <ops>', `comma-separated: ${BENCH_OPS.join(', ')}`).default('allreduce'))
    .addOption(new Option('--dtype <types>', `comma-separated: ${BENCH_DTYPES.join(', ')}`).default('float32'))
    .addOption(new Option('--sizes <list>', 'bytes S per case: powers of two in a range and/or a list, e.g. 1K..64M or 4K,1M').default('1K..64M'))
    .addOption(new Option('--iters <k>', 'timed iterations per case').default('10'))
    .addOption(new Option('--warmup <k>', 'untimed iterations per case').default('2'))
    .addOption(new Option('--timeout-ms <ms>', 'time limit of one collective').default('120000'))
    .option('--netem <rate>', 'every rank in its own network namespace, each NIC shaped to RATE (needs root and iproute2)')
    .option('--json', 'one JSON object per line')
    .action(async (flags: BenchCommFlags) => {
      process.exitCode = await benchComm(flags);
    });
}

async function benchComm(flags: BenchCommFlags): Promise<number> {
  const nproc = positiveInt('--nproc', flags.nproc);
  const config: CommBenchConfig = {
    ops: listOf('--op', flags.op, BENCH_OPS) as BenchOp[],
    dtypes: listOf('--dtype', flags.dtype, BENCH_DTYPES) as DType[],
    sizes: parseSizes(flags.sizes),
    iters: positiveInt('--iters', flags.iters),
    warmup: nonNegativeInt('--warmup', flags.warmup),
    timeoutMs: positiveInt('--timeout-ms', flags.timeoutMs),
  };
  if (flags.netem !== undefined) {
    parseRate(flags.netem, '--netem');
    if (nproc < 2) throw new InvalidArgumentError('--nproc', flags.nproc, 'at least 2 with --netem (the link is measured between two ranks)');
  }
  const machine = machineInfo();
  const rows: (CommBenchRow & { linkGbit: number | null })[] = [];
  let linkGbit: number | null = null;
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => controller.abort(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await launch({
      nproc,
      script: fileURLToPath(workerScriptUrl()),
      args: [JSON.stringify(config)],
      jobToken: process.env[JOB_TOKEN_ENV],
      netem: flags.netem === undefined ? undefined : { rate: flags.netem, measureLink: true },
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'netem-ready') {
          linkGbit = event.linkGbit ?? null;
          if (!flags.json) process.stderr.write(`emulated link ${flags.netem}: single-stream ${linkGbit?.toFixed(3) ?? '?'} Gbit/s\n`);
        } else if (event.type === 'output') {
          const row = event.rank === 0 && event.stream === 'stdout' ? decodeRow(event.line) : undefined;
          if (!row) process.stderr.write(`[rank ${event.rank}] ${event.line}\n`);
          else if (flags.json) process.stdout.write(`${JSON.stringify({ ...row, linkGbit, machine })}\n`);
          else rows.push({ ...row, linkGbit });
        }
      },
    });
    if (!flags.json) printRows(rows, machine);
    if (result.ok) return 0;
    process.stderr.write(`lion-cub: bench comm failed: ${describeFailure(result.failure!)}\n`);
    return EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function printRows(rows: (CommBenchRow & { linkGbit: number | null })[], machine: ReturnType<typeof machineInfo>): void {
  process.stdout.write(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}\n`);
  printTable(rows.map((r) => ({
    op: r.op, dtype: r.dtype, bytes: r.bytes, N: r.worldSize,
    'time ms': r.timeMs.toFixed(3), 'min ms': r.minMs.toFixed(3), 'max ms': r.maxMs.toFixed(3),
    'algbw GB/s': r.algbw.toFixed(3), 'busbw GB/s': r.busbw.toFixed(3), 'busbw Gbit/s': (r.busbw * 8).toFixed(3),
    'wire B/rank': Math.round(r.wireBytesPerRank), wrong: r.wrong,
    ...(r.linkGbit === null ? {} : { 'link Gbit/s': r.linkGbit.toFixed(3) }),
  })));
}

function listOf(flag: string, text: string, allowed: readonly string[]): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.find((s) => !allowed.includes(s));
  if (items.length === 0 || bad !== undefined) throw new InvalidArgumentError(flag, bad ?? text, `a comma-separated list of ${allowed.join(', ')}`);
  return [...new Set(items)];
}

function positiveInt(flag: string, text: string): number {
  const n = nonNegativeInt(flag, text);
  if (n < 1) throw new InvalidArgumentError(flag, text, 'a positive integer');
  return n;
}

function nonNegativeInt(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(flag, text, 'a non-negative integer');
  return Number(text);
}
