// Prices one phase with the α–β–γ constants: latency per sequential hop, wire and host time overlapped, kernel time.

import { InvalidArgumentError } from '../errors.js';
import { alphaUsFor, type CostConstants } from './constants.js';
import type { KernelWork } from './kernels.js';
import type { CommPhase, Phase } from './phases.js';

/**
 * How many ranks share one host's cores. A Node rank runs its kernels and its transport on one thread, so when
 * ranksPerHost > cores the ranks take turns: every CPU term is multiplied by κ = max(1, ranksPerHost / cores).
 * One rank per host (the default for predictions) gives κ = 1; this machine's validation runs N ranks on its
 * 2 cores.
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
   * Bytes an emulated link lets through at once after idling: the tbf token bucket (src/netem/tbf.ts). A real
   * NIC has none (0, the default). Validation against `--netem` measurements sets it: each collective call
   * (or each step's communication) starts with a full bucket, which its phases drain in order.
   */
  burstBytes?: number;
}

export interface CommPhaseCost {
  ms: number;
  /** rounds · α. */
  latencyMs: number;
  /** wireBytes · 8 / (η · rate). */
  wireMs: number;
  /** κ · (messages · o + hostBytes · h + Σ γ · units). */
  hostMs: number;
}

/** κ · γ · units, in ms. */
export function kernelMs(work: KernelWork, ctx: CostContext): number {
  return (ctx.kappa * ctx.constants.kernels[work.kernel] * work.units) / 1e6;
}

/**
 * T = rounds·α + max(W, H) + φ·min(W, H), with W the wire time of the critical-path bytes (less `freeBytes`
 * an emulated link's bucket lets through at once) and H the busiest
 * rank's CPU time inside the call. Why max plus a fraction: the NIC drains one chunk while the thread frames,
 * copies and reduces the next, so the two overlap, but not perfectly (the thread also waits on the socket).
 * An unshaped link (null) has no wire term: loopback costs only CPU, which h and o already count.
 */
export function commPhaseCost(phase: CommPhase, ctx: CostContext, freeBytes = 0): CommPhaseCost {
  const net = ctx.constants.network;
  const latencyMs = (phase.rounds * alphaUsFor(ctx.constants, ctx.linkGbit)) / 1e3;
  const wireMs = ctx.linkGbit === null ? 0 : (Math.max(0, phase.wireBytes - freeBytes) * 8) / (ctx.linkGbit * net.wireEfficiency * 1e6);
  let cpuNs = phase.messages * net.messageUs * 1e3 + phase.hostBytes * net.hostNsPerByte;
  for (const k of phase.kernels) cpuNs += ctx.constants.kernels[k.kernel] * k.units;
  const hostMs = (ctx.kappa * cpuNs) / 1e6;
  const ms = latencyMs + Math.max(wireMs, hostMs) + net.overlapPenalty * Math.min(wireMs, hostMs);
  return { ms, latencyMs, wireMs, hostMs };
}

/** An emulated link's token bucket while a call's phases drain it (see CostContext.burstBytes). */
export interface Bucket {
  bytes: number;
}

export function fullBucket(ctx: CostContext): Bucket {
  return { bytes: ctx.linkGbit === null ? 0 : ctx.burstBytes ?? 0 };
}

/** The time of each phase in order; communication phases first take their bytes from `bucket`. */
export function pricePhases(phases: readonly Phase[], ctx: CostContext, bucket: Bucket = fullBucket(ctx)): number[] {
  return phases.map((p) => {
    if (p.type === 'kernel') return kernelMs(p.work, ctx);
    const free = Math.min(bucket.bytes, p.wireBytes);
    bucket.bytes -= free;
    return commPhaseCost(p, ctx, free).ms;
  });
}

/** Σ pricePhases: the time of one call made of these phases, starting with a full bucket. */
export function phasesMs(phases: readonly Phase[], ctx: CostContext): number {
  return pricePhases(phases, ctx).reduce((a, b) => a + b, 0);
}
