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
 * T = rounds·α + max(W, H) + φ·min(W, H), with W the wire time of the critical-path bytes and H the busiest
 * rank's CPU time inside the call. Why max plus a fraction: the NIC drains one chunk while the thread frames,
 * copies and reduces the next, so the two overlap, but not perfectly (the thread also waits on the socket).
 * An unshaped link (null) has no wire term: loopback costs only CPU, which h and o already count.
 */
export function commPhaseCost(phase: CommPhase, ctx: CostContext): CommPhaseCost {
  const net = ctx.constants.network;
  const latencyMs = (phase.rounds * alphaUsFor(ctx.constants, ctx.linkGbit)) / 1e3;
  const wireMs = ctx.linkGbit === null ? 0 : (phase.wireBytes * 8) / (ctx.linkGbit * net.wireEfficiency * 1e6);
  let cpuNs = phase.messages * net.messageUs * 1e3 + phase.hostBytes * net.hostNsPerByte;
  for (const k of phase.kernels) cpuNs += ctx.constants.kernels[k.kernel] * k.units;
  const hostMs = (ctx.kappa * cpuNs) / 1e6;
  const ms = latencyMs + Math.max(wireMs, hostMs) + net.overlapPenalty * Math.min(wireMs, hostMs);
  return { ms, latencyMs, wireMs, hostMs };
}

export function phaseMs(phase: Phase, ctx: CostContext): number {
  return phase.type === 'comm' ? commPhaseCost(phase, ctx).ms : kernelMs(phase.work, ctx);
}

export function phasesMs(phases: readonly Phase[], ctx: CostContext): number {
  let ms = 0;
  for (const p of phases) ms += phaseMs(p, ctx);
  return ms;
}
