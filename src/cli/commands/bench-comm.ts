// `lion-cub bench comm`: launches N ranks running the collective benchmark and prints rank 0's rows (table or JSON lines).

import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../../bench/harness.js';
import { COMPRESSED_OPS, isCompressedOp, maxWorldSize } from '../../bench/comm/compressed-ops.js';
import { BENCH_DTYPES, BENCH_OPS } from '../../bench/comm/ops.js';
import { parseParams, parseSizes } from '../../bench/comm/sizes.js';
import { decodeRow, workerScriptUrl, type CommBenchConfig } from '../../bench/comm/worker-config.js';
import { speedupsOverFp32Allreduce, type CommBenchRow } from '../../bench/comm/summary.js';
import type { QuantBits } from '../../codec/index.js';
import type { DType } from '../../comm/codes.js';
import { InvalidArgumentError } from '../../errors.js';
import { describeFailure, launch } from '../../launch/launch.js';
import { JOB_TOKEN_ENV } from '../../launch/launch-plan.js';
import { TRANSPORT_SECURITY_ENV, TRANSPORT_SECURITY_MODES, resolveTransportSecurity, type TransportSecurity } from '../../comm/transport/security-mode.js';
import { parseRate } from '../../netem/rate.js';
import { EXIT_FAILURE } from '../run-cli.js';
import { printTable } from '../table.js';
import { HEARTBEAT_TIMEOUT_HELP, parseHeartbeatTimeout } from '../resilience-flags.js';
import { onInterrupt } from '../interrupt.js';

/** The flags as commander hands them over (strings, defaults filled in). */
export interface BenchCommFlags {
  nproc: string;
  op: string;
  dtype: string;
  sizes: string;
  params?: string;
  bits: string;
  iters: string;
  warmup: string;
  timeoutMs: string;
  heartbeatTimeout?: string;
  netem?: string;
  transportSecurity?: string;
  json?: boolean;
  cpuProf?: string;
}

type Row = CommBenchRow & { linkGbit: number | null; transportSecurity: TransportSecurity };

/** How the compressed ops are measured, printed after the flags in --help. */
const COMPRESSED_HELP = `
Compressed ops: each rank codes a seeded random update of d floats (with exact zeros) into kernel memory once,
before the timed runs: vote-allreduce, vote-allgather and tally-allreduce take its 1-bit sign code,
pbit-allreduce its --bits l1 code, int8-ring its int8 l1 code with s = floor(127/N). Encoding is NOT timed:
the rows time the collective alone. For these ops bytes is one rank's input code, fp32-equiv algbw = 4·d / time
compares with the float32 allreduce of the same d, busbw counts the bytes of a bandwidth-optimal schedule of
the op's shape (src/bench/comm/README.md in the repository), and wrong counts values that differ from a
brute-force reference computed from every rank's regenerated code.`;

export function registerBenchComm(program: Command): void {
  const bench = program.commands.find((c) => c.name() === 'bench') ?? program.command('bench');
  bench
    .command('comm')
    .description('time collectives across --nproc local ranks (nccl-tests algbw/busbw), optionally over an emulated network')
    .addOption(new Option('--nproc <n>', 'ranks (local worker processes)').default('2'))
    .addOption(new Option('--op <ops>', `comma-separated: plain ${BENCH_OPS.join(', ')}; compressed ${COMPRESSED_OPS.join(', ')}`).default('allreduce'))
    .addOption(new Option('--dtype <types>', `element types of the plain ops, comma-separated: ${BENCH_DTYPES.join(', ')}`).default('float32'))
    .addOption(new Option('--sizes <list>', 'bytes S of the plain ops (compressed ops code d = S/4 values): powers of two in a range and/or a list, e.g. 1K..64M or 4K,1M').default('1K..64M'))
    .addOption(new Option('--params <list>', 'parameters d for every op instead of --sizes (plain ops: d elements of --dtype), e.g. 16M or 1K..16M'))
    .addOption(new Option('--bits <p>', 'bits per value of pbit-allreduce: 2, 4 or 8').default('4'))
    .addOption(new Option('--iters <k>', 'timed iterations per case').default('10'))
    .addOption(new Option('--warmup <k>', 'untimed iterations per case').default('2'))
    .addOption(new Option('--timeout-ms <ms>', 'time limit of one collective').default('120000'))
    .option('--heartbeat-timeout <seconds>', `${HEARTBEAT_TIMEOUT_HELP}; raise it on a heavily loaded machine, where one long collective can keep a busy rank silent`)
    .option('--netem <rate>', 'every rank in its own network namespace, each NIC shaped to RATE (needs root and iproute2)')
    .option('--transport-security <modes>', `comma-separated ${TRANSPORT_SECURITY_MODES.join(', ')}: one launch per mode, in this order, rows side by side (default $${TRANSPORT_SECURITY_ENV}, else encrypt)`)
    .option('--json', 'one JSON object per line')
    .option('--cpu-prof <dir>', 'write a V8 CPU profile of every rank to <dir>/rank-<r>.cpuprofile (<dir>/<mode>/ with several --transport-security modes)')
    .addHelpText('after', COMPRESSED_HELP)
    .action(async (flags: BenchCommFlags, command: Command) => {
      process.exitCode = await benchComm(flags, command.getOptionValueSource('sizes') === 'cli');
    });
}

async function benchComm(flags: BenchCommFlags, sizesGiven: boolean): Promise<number> {
  const nproc = positiveInt('--nproc', flags.nproc);
  const config = parseConfig(flags, sizesGiven);
  const heartbeatTimeoutMs = parseHeartbeatTimeout(flags.heartbeatTimeout);
  checkWorldSize(config, nproc, flags.nproc);
  if (flags.netem !== undefined) {
    parseRate(flags.netem, '--netem');
    if (nproc < 2) throw new InvalidArgumentError('--nproc', flags.nproc, 'at least 2 with --netem (the link is measured between two ranks)');
  }
  const modes = flags.transportSecurity === undefined
    ? [resolveTransportSecurity(undefined)]
    : listOf('--transport-security', flags.transportSecurity, TRANSPORT_SECURITY_MODES) as TransportSecurity[];
  const machine = machineInfo();
  const rows: Row[] = [];
  const interrupt = onInterrupt();
  try {
    for (const transportSecurity of modes) {
      let linkGbit: number | null = null;
      const result = await launch({
        nproc,
        script: fileURLToPath(workerScriptUrl()),
        args: [JSON.stringify(config)],
        jobToken: process.env[JOB_TOKEN_ENV],
        env: { [TRANSPORT_SECURITY_ENV]: transportSecurity },
        netem: flags.netem === undefined ? undefined : { rate: flags.netem, measureLink: true },
        heartbeatTimeoutMs,
        signal: interrupt.signal,
        // One profile directory per mode when several run, so a later launch does not overwrite the first.
        cpuProfileDir: flags.cpuProf === undefined ? undefined : resolve(flags.cpuProf, modes.length > 1 ? transportSecurity : '.'),
        onEvent: (event) => {
          if (event.type === 'netem-ready') {
            linkGbit = event.linkGbit ?? null;
            if (!flags.json) process.stderr.write(`emulated link ${flags.netem}: single-stream ${linkGbit?.toFixed(3) ?? '?'} Gbit/s\n`);
          } else if (event.type === 'output') {
            const row = event.rank === 0 && event.stream === 'stdout' ? decodeRow(event) : undefined;
            if (!row) process.stderr.write(`[rank ${event.rank}] ${event.line}\n`);
            else if (flags.json) process.stdout.write(`${JSON.stringify({ ...row, linkGbit, transportSecurity, machine })}\n`);
            else rows.push({ ...row, linkGbit, transportSecurity });
          }
        },
      });
      if (!result.ok) {
        if (!flags.json) printRows(rows, machine);
        process.stderr.write(`lion-cub: bench comm failed (transport security ${transportSecurity}): ${describeFailure(result.failure!)}\n`);
        return EXIT_FAILURE;
      }
    }
    if (!flags.json) printRows(rows, machine);
    return 0;
  } finally {
    interrupt.dispose();
  }
}

/**
 * The worker config from the flags; `sizesGiven` says --sizes was on the command line (not its default).
 * Throws InvalidArgumentError naming the flag of a bad value, or --params when --sizes is given too.
 */
export function parseConfig(flags: BenchCommFlags, sizesGiven: boolean): CommBenchConfig {
  if (flags.params !== undefined && sizesGiven) {
    throw new InvalidArgumentError('--params', flags.params, 'either --params (parameters d, for every op) or --sizes (bytes of the plain ops), not both');
  }
  const bits = Number(flags.bits);
  if (bits !== 2 && bits !== 4 && bits !== 8) throw new InvalidArgumentError('--bits', flags.bits, '2, 4 or 8 bits per value');
  return {
    ops: listOf('--op', flags.op, [...BENCH_OPS, ...COMPRESSED_OPS]) as CommBenchConfig['ops'],
    dtypes: listOf('--dtype', flags.dtype, BENCH_DTYPES) as DType[],
    sizes: parseSizes(flags.sizes),
    params: flags.params === undefined ? undefined : parseParams(flags.params),
    bits: bits as QuantBits,
    iters: positiveInt('--iters', flags.iters),
    warmup: nonNegativeInt('--warmup', flags.warmup),
    timeoutMs: positiveInt('--timeout-ms', flags.timeoutMs),
  };
}

/** Refuses, before launching anything, a world size a requested compressed op cannot run at. */
function checkWorldSize(config: CommBenchConfig, nproc: number, text: string): void {
  for (const op of config.ops) {
    if (!isCompressedOp(op)) continue;
    const max = maxWorldSize(op, config.bits);
    if (nproc > max) throw new InvalidArgumentError('--nproc', text, `at most ${max} ranks with --op ${op}${op === 'pbit-allreduce' ? ` at --bits ${config.bits}` : ''}`);
  }
}

function printRows(rows: Row[], machine: ReturnType<typeof machineInfo>): void {
  process.stdout.write(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}\n`);
  // Each row against the float32 allreduce of its own security mode.
  const speedups = rows.map((row, i) => {
    const same = rows.filter((r) => r.transportSecurity === row.transportSecurity);
    return speedupsOverFp32Allreduce(same)[same.indexOf(rows[i])];
  });
  const anySpeedup = speedups.some((x) => x !== null);
  printTable(rows.map((r, i) => ({
    op: r.op, security: r.transportSecurity, dtype: r.dtype, params: r.params, bytes: r.bytes, N: r.worldSize,
    'time ms': r.timeMs.toFixed(3), 'min ms': r.minMs.toFixed(3), 'max ms': r.maxMs.toFixed(3), 'comm ms': r.commMs.toFixed(3),
    'cpu ms all ranks': r.cpuMs?.toFixed(1) ?? '',
    'algbw GB/s': r.algbw.toFixed(3), 'busbw GB/s': r.busbw.toFixed(3), 'busbw Gbit/s': (r.busbw * 8).toFixed(3),
    'fp32-equiv algbw GB/s': r.fp32EquivAlgbw.toFixed(3),
    ...(anySpeedup ? { 'x fp32 allreduce': speedups[i]?.toFixed(2) ?? '' } : {}),
    'wire B/rank': Math.round(r.wireBytesPerRank), wrong: r.wrong,
    ...(r.linkGbit === null ? {} : { 'link Gbit/s': r.linkGbit.toFixed(3), 'link-bound ms': linkBoundMs(r.wireBytesPerRank, r.linkGbit).toFixed(3) }),
  })));
}

/** Time the measured link needs to carry what one rank sends: a floor for any op limited by its NIC. */
function linkBoundMs(wireBytes: number, linkGbit: number): number {
  return (wireBytes * 8) / (linkGbit * 1e9) * 1000;
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
