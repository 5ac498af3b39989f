// Prices one phase with the α–β–γ constants: latency per sequential hop, wire and host time overlapped, kernel time.

import { InvalidArgumentError } from '../errors.js';
import { alphaUsFor, type CostConstants } from './constants.js';
import type { KernelWork } from './kernels.js';
import type { CommPhase, Phase } from './phases.js';

/**
 * How many ranks share one host's cores. A Node rank runs its kernels and its transport on one thread, so when
 * ranksPerHost > cores the ranks take turns: κ = max(1, ranksPerHost / cores) multiplies kernel time, and the
 * calibrated slopes scale α and the transport's host time (see NetworkConstants). One rank per host (the
 * default for predictions) gives κ = 1; this machine's validation runs N ranks on its 2 cores.
 */
export interface HostLoad {
  ranksPerHost: number;
  cores: number;
}

export const ONE_RANK_PER_HOST: HostLoad = { ranksPerHost: 1, cores: 1 };

/** κ = max(1, ranksPerHost / cores). Throws InvalidArgumentError for non-positive counts. */
export function contentionFactor(load: HostLoad): number {
  if (!(load.ranksPerHost >= 1) || !Number.isFinite(load.ranksPerHost)) throw new InvalidArgumentError('ranksPerHost', load.ranksPerHost, 'a number >= 1');
  if (!(load.cores >= 1) || !Number.isFinite(load.cores)) throw new InvalidArgumentError('cores', load.cores, 'a number >= 1');
  return Math.max(1, load.ranksPerHost / load.cores);
}

/** What a phase is priced against: the constants, the link (nominal Gbit/s, null = unshaped loopback) and κ. */
export interface CostContext {
  constants: CostConstants;
  linkGbit: number | null;
  kappa: number;
  /**
   * Size of an emulated link's token bucket (tbf burst, src/netem/tbf.ts): bytes it lets through at once after
   * idling. A real NIC has none (0, the default); validation against `--netem` measurements sets it. The bucket
   * refills at the link rate while the link idles (bucketAfterIdle), and a call's phases drain it in order.
   */
  burstBytes?: number;
}

export interface CommPhaseCost {
  ms: number;
  /** rounds · (α + δ if variable) · (1 + s_α·(κ − 1)). */
  latencyMs: number;
  /** wireBytes · 8 / (η · rate). */
  wireMs: number;
  /** (messages · o + hostBytes · h)·(1 + s_h·(κ − 1)) + κ · Σ γ · units. */
  hostMs: number;
}

/** κ · γ · units, in ms. */
export function kernelMs(work: KernelWork, ctx: CostContext): number {
  return (ctx.kappa * ctx.constants.kernels[work.kernel] * work.units) / 1e6;
}

/**
 * T = rounds·α' + max(W, H) + (1/m + φ·(1 − 1/m))·min(W, H), with W the wire time of the critical-path bytes
 * (less `freeBytes` an emulated link's bucket lets through at once), H the busiest rank's CPU time inside the
 * call and m the chunks per round. Why: the NIC drains one chunk while the thread frames, copies and reduces the
 * next, so with m chunks per round all but one chunk's worth of the shorter term hides behind the longer (a
 * one-chunk round cannot overlap at all: m = 1 adds them); φ is what the overlap still loses beyond that (the
 * thread also waits on the socket). An unshaped link (null) has no wire term: loopback costs only CPU.
 */
export function commPhaseCost(phase: CommPhase, ctx: CostContext, freeBytes = 0): CommPhaseCost {
  const net = ctx.constants.network;
  const stretch = ctx.kappa - 1;
  const perRoundUs = alphaUsFor(ctx.constants, ctx.linkGbit) + (phase.variable ? net.variableRoundUs : 0);
  const latencyMs = (phase.rounds * perRoundUs * (1 + net.alphaContentionSlope * stretch)) / 1e3;
  const wireMs = ctx.linkGbit === null ? 0 : (Math.max(0, phase.wireBytes - freeBytes) * 8) / (ctx.linkGbit * net.wireEfficiency * 1e6);
  const transportNs = (phase.messages * net.messageUs * 1e3 + phase.hostBytes * net.hostNsPerByte) * (1 + net.transportContentionSlope * stretch);
  let kernelNs = 0;
  for (const k of phase.kernels) kernelNs += ctx.constants.kernels[k.kernel] * k.units;
  const hostMs = (transportNs + ctx.kappa * kernelNs) / 1e6;
  const depth = Math.max(1, phase.chunksPerRound);
  const shows = 1 / depth + net.overlapPenalty * (1 - 1 / depth);
  const ms = latencyMs + Math.max(wireMs, hostMs) + shows * Math.min(wireMs, hostMs);
  return { ms, latencyMs, wireMs, hostMs };
}

/** An emulated link's token bucket while a call's phases drain it (see CostContext.burstBytes). */
export interface Bucket {
  bytes: number;
}

/**
 * The bucket after the link idled `idleMs`: min(burst, idle · rate), the tokens tbf earned meanwhile (it
 * refills at the nominal rate). Empty for unshaped loopback or without a burst.
 */
export function bucketAfterIdle(ctx: CostContext, idleMs: number): Bucket {
  if (ctx.linkGbit === null || !ctx.burstBytes) return { bytes: 0 };
  return { bytes: Math.min(ctx.burstBytes, (Math.max(0, idleMs) * ctx.linkGbit * 1e6) / 8) };
}

/** The time of each phase in order; communication phases first take their bytes from `bucket` (default empty). */
export function pricePhases(phases: readonly Phase[], ctx: CostContext, bucket: Bucket = { bytes: 0 }): number[] {
  return phases.map((p) => {
    if (p.type === 'kernel') return kernelMs(p.work, ctx);
    const free = Math.min(bucket.bytes, p.wireBytes);
    bucket.bytes -= free;
    return commPhaseCost(p, ctx, free).ms;
  });
}

