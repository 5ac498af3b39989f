// `lion-cub calibrate`: times the kernels here, the collectives over loopback and emulated links, and fits the constants.

import { fileURLToPath } from 'node:url';
import { describeFailure, launch } from '../../launch/launch.js';
import { JOB_TOKEN_ENV } from '../../launch/launch-plan.js';
import { LionCubError } from '../../errors.js';
import { fitNetwork, type ContendedLaunch, type LaunchMeasurement, type NetworkFit, type ShapedLaunch } from '../../costmodel/calibration-fit.js';
import { CONSTANTS_SCHEMA, type CostConstants } from '../../costmodel/constants.js';
import type { KernelCosts } from '../../costmodel/kernels.js';
import { parseRate } from '../../netem/rate.js';
import { machineInfo } from '../harness.js';
import { commWorkerUrl, decodeResult, type CommCalibrationConfig } from './comm-config.js';
import { timeKernels, type KernelTiming } from './time-kernels.js';

export interface CalibrateOptions {
  /** Emulated link rates to measure through (tc units, e.g. "1gbit"); none: loopback only. */
  netem: readonly string[];
  /** Values per kernel call. Default 4M. */
  kernelValues?: number;
  /** Timed repeats per kernel and per collective. Default 7. */
  repeats?: number;
  /** Constants from each timing's median (default) or its fastest repeat (a machine busy with other work). */
  statistic?: 'median' | 'min';
  /** Per-call time limit of the collectives. Default 120 000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Progress lines for a human (what is being measured). */
  onProgress?: (line: string) => void;
}

export interface CalibrationResult {
  constants: CostConstants;
  kernels: KernelTiming[];
  fit: NetworkFit;
}

const MIB = 2 ** 20;
/** Chunk size of the second loopback launch: many more messages for the same bytes, which separates o from h. */
const SMALL_CHUNK_BYTES = 1024;
const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Above this many cores the contention launch (2·cores ranks) is skipped and the slopes keep their defaults. */
const MAX_CONTENDED_CORES = 4;

/**
 * Runs the whole calibration (bounded: two loopback launches of two ranks, one of 2·cores ranks, one launch per
 * --netem rate, ≈ 10–20 s each, plus the kernels, ≈ 20 s at 4M values) and returns the fitted constants with the raw kernel timings.
 * Throws LionCubError (code `calibration_failed`) when a launch fails or reports nothing; the launcher's
 * NetemUnavailableError when links cannot be emulated; InvalidArgumentError for a bad rate.
 */
export async function calibrate(options: CalibrateOptions): Promise<CalibrationResult> {
  const say = options.onProgress ?? (() => {});
  const rates = options.netem.map((r) => ({ rate: r, bitsPerSec: parseRate(r, '--netem') }));
  const repeats = options.repeats ?? 7;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const kernelValues = options.kernelValues ?? 4 * MIB;
  const statistic = options.statistic ?? 'median';

  say(`kernels: ${kernelValues} values per call, ${repeats} repeats each`);
  const kernels: KernelTiming[] = [];
  for (const t of timeKernels({ numValues: kernelValues, repeats, warmup: 2 })) {
    kernels.push(t);
    say(`  ${t.kernel}: ${t.nsPerUnit.toFixed(3)} ns per unit (min ${t.minMs.toFixed(2)}, median ${t.medianMs.toFixed(2)} ms)`);
  }
  const perUnit = (k: KernelTiming): number => (statistic === 'min' ? (k.minMs * 1e6) / k.units : k.nsPerUnit);
  const costs = Object.fromEntries(kernels.map((k) => [k.kernel, perUnit(k)])) as KernelCosts;

  const base = { latencyIters: 300, iters: repeats, warmup: 2, timeoutMs };
  say('loopback, 2 ranks: latency, allgather 2M and 16M, allreduce 16M');
  const loopback = await runLaunch({ ...base, chunkBytes: DEFAULT_CHUNK_BYTES, allgatherBytes: [2 * MIB, 16 * MIB], allreduceBytes: 16 * MIB }, undefined, options);
  say(`loopback, 2 ranks, ${SMALL_CHUNK_BYTES}-byte chunks: allgather 2M`);
  const smallChunks = await runLaunch({ ...base, latencyIters: 50, chunkBytes: SMALL_CHUNK_BYTES, allgatherBytes: [2 * MIB], allreduceBytes: 0 }, undefined, options);
  // Twice as many ranks as cores, for the contention slopes; skipped on hosts too large to oversubscribe cheaply.
  const cores = machineInfo().cpus;
  let contended: ContendedLaunch | undefined;
  if (cores <= MAX_CONTENDED_CORES) {
    say(`loopback, ${2 * cores} ranks on ${cores} cores: latency, allgather 16M`);
    contended = { cores, measurement: await runLaunch({ ...base, latencyIters: 100, chunkBytes: DEFAULT_CHUNK_BYTES, allgatherBytes: [16 * MIB], allreduceBytes: 0 }, undefined, options, undefined, 2 * cores) };
  }
  const shaped: ShapedLaunch[] = [];
  for (const { rate, bitsPerSec } of rates) {
    const allreduceBytes = largeAllreduceBytes(bitsPerSec);
    say(`${rate}, 2 ranks in network namespaces: latency, allreduce ${allreduceBytes / MIB}M`);
    let streamGbit: number | null = null;
    const measurement = await runLaunch({ ...base, chunkBytes: DEFAULT_CHUNK_BYTES, allgatherBytes: [], allreduceBytes }, rate, options, (g) => { streamGbit = g; });
    shaped.push({ rate, rateGbit: bitsPerSec / 1e9, streamGbit, measurement });
  }
  const fit = fitNetwork(costs, loopback, smallChunks, shaped, statistic, contended);
  const machine = machineInfo();
  const constants: CostConstants = {
    schema: CONSTANTS_SCHEMA,
    origin: 'calibrated',
    createdAt: new Date().toISOString(),
    machine: { cpus: machine.cpus, cpuModel: machine.cpuModel, node: machine.node },
    cores: machine.cpus,
    network: fit.network,
    kernels: costs,
    kernelValues,
    statistic,
    links: fit.links,
    measurements: { loopback, smallChunks, contended: contended ?? null, shaped, overlapPerLink: fit.overlapPerLink },
  };
  return { constants, kernels, fit };
}

/** A power of two near 0.3 s of wire time at the rate, between 1 MiB and 16 MiB (an N = 2 allreduce sends S bytes). */
export function largeAllreduceBytes(bitsPerSec: number): number {
  const target = (bitsPerSec / 8) * 0.3;
  return Math.min(16 * MIB, Math.max(MIB, 2 ** Math.floor(Math.log2(target))));
}

async function runLaunch(config: CommCalibrationConfig, rate: string | undefined, options: CalibrateOptions, onLink?: (gbit: number | null) => void, nproc = 2): Promise<LaunchMeasurement> {
  let result: LaunchMeasurement | undefined;
  const errors: string[] = [];
  const outcome = await launch({
    nproc,
    script: fileURLToPath(commWorkerUrl()),
    args: [JSON.stringify(config)],
    jobToken: process.env[JOB_TOKEN_ENV],
    netem: rate === undefined ? undefined : { rate, measureLink: true },
    signal: options.signal,
    onEvent: (event) => {
      if (event.type === 'netem-ready') onLink?.(event.linkGbit ?? null);
      if (event.type !== 'output') return;
      const decoded = event.rank === 0 && event.stream === 'stdout' ? decodeResult(event) : undefined;
      if (decoded) result = decoded;
      else if (event.stream === 'stderr') errors.push(`[rank ${event.rank}] ${event.line}`);
    },
  });
  if (!outcome.ok || !result) {
    const why = outcome.ok ? 'rank 0 reported no result' : describeFailure(outcome.failure!);
    throw new LionCubError('calibration_failed', `calibration launch${rate ? ` over ${rate}` : ''} failed: ${why}${errors.length ? `\n${errors.slice(-5).join('\n')}` : ''}`);
  }
  return result;
}
