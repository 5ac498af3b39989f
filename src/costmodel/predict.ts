// predictStep: the modelled time of one training step for a strategy, world size and link; speedups and sweeps.

import { InvalidArgumentError } from '../errors.js';
import type { CostConstants } from './constants.js';
import { momentumCost, type MomentumSyncOptions } from './momentum-cost.js';
import { bucketAfterIdle, contentionFactor, ONE_RANK_PER_HOST, pricePhases, type CostContext, type HostLoad } from './phase-cost.js';
import { phaseBytes, type GroupSettings, type Phase } from './phases.js';
import { modelStrategies, parseModelStrategy, stepSchedule, strategyLabel, unsupportedReason, type ModelStrategy } from './strategy-schedule.js';

export interface PredictStepInput {
  /** A strategy as `--sync` spells it ("cub-pbit:bits=4") or parsed. */
  strategy: string | ModelStrategy;
  numParams: number;
  /** World size. */
  N: number;
  /** Nominal link rate in Gbit/s; null = this machine's unshaped loopback (validation only). */
  linkGbit: number | null;
  /** Time of a step outside the sync strategy (batch, forward, backward, writing parameters back), ms. */
  computeMs: number;
  constants: CostConstants;
  /** Ranks sharing a host's cores; default one rank per host (κ = 1). */
  host?: HostLoad;
  /** An emulated link's token bucket, bytes (CostContext.burstBytes), refilled during compute and codec; 0 for real links (default). */
  burstBytes?: number;
  /** Momentum synchronisation (compressed strategies only); default none. */
  momentum?: MomentumSyncOptions;
  group?: GroupSettings;
}

export interface PhaseTime {
  part: 'encode' | 'comm' | 'decode' | 'momentum';
  label: string;
  ms: number;
}

export interface StepPrediction {
  strategy: string;
  numParams: number;
  N: number;
  linkGbit: number | null;
  /** computeMs + codecMs + commMs. */
  stepMs: number;
  computeMs: number;
  /** Encode and decode kernels (quantise or pack, apply the update, bf16 conversions), ms. */
  codecMs: number;
  /** The collectives, with the kernels inside them (reductions, votes, staging copies), plus momentumMs. */
  commMs: number;
  /** The kernels inside the collectives, a part of commMs. */
  collectiveKernelMs: number;
  /** Momentum synchronisation amortised per step, a part of commMs. */
  momentumMs: number;
  /** Bytes rank 0 sends per step, frame headers included, momentum sync amortised. */
  bytesPerRank: number;
  phases: PhaseTime[];
}

function checkInput(input: PredictStepInput): void {
  if (!Number.isInteger(input.numParams) || input.numParams < 1) throw new InvalidArgumentError('numParams', input.numParams, 'a positive integer (parameters)');
  if (!Number.isInteger(input.N) || input.N < 1) throw new InvalidArgumentError('N', input.N, 'a positive integer (ranks)');
  if (input.linkGbit !== null && !(input.linkGbit > 0 && Number.isFinite(input.linkGbit))) throw new InvalidArgumentError('linkGbit', input.linkGbit, 'a positive rate in Gbit/s, or null for unshaped loopback');
  if (!(input.computeMs >= 0 && Number.isFinite(input.computeMs))) throw new InvalidArgumentError('computeMs', input.computeMs, 'a non-negative time in ms');
}

/**
 * Step time = computeMs + Σ encode/decode kernels (κ·γ·units) + Σ communication phases (rounds·α +
 * max(W, H) + φ·min(W, H), see commPhaseCost) + momentum sync amortised by its policy. N = 1 sends nothing:
 * every strategy is computeMs + one Lion step. Throws InvalidArgumentError for bad inputs or a strategy that
 * cannot run at N (see unsupportedReason).
 */
export function predictStep(input: PredictStepInput): StepPrediction {
  checkInput(input);
  const strategy = typeof input.strategy === 'string' ? parseModelStrategy(input.strategy) : input.strategy;
  const ctx: CostContext = { constants: input.constants, linkGbit: input.linkGbit, kappa: contentionFactor(input.host ?? ONE_RANK_PER_HOST), burstBytes: input.burstBytes };
  const schedule = stepSchedule(strategy, input.numParams, input.N, input.group);
  const phases: PhaseTime[] = [];
  // An emulated link idles through compute, encode and decode, refilling its bucket; the step's calls drain it.
  const bucket = { bytes: 0 };
  let collectiveKernelMs = 0;
  const price = (part: PhaseTime['part'], list: readonly Phase[], weight = 1): number => {
    const times = pricePhases(list, ctx, bucket);
    let total = 0;
    list.forEach((p, i) => {
      const ms = weight * times[i];
      phases.push({ part, label: p.label, ms });
      total += ms;
      if (part === 'comm' && p.type === 'kernel') collectiveKernelMs += ms;
    });
    return total;
  };
  const codecMs = price('encode', schedule.encode) + price('decode', schedule.decode);
  bucket.bytes = bucketAfterIdle(ctx, input.computeMs + codecMs).bytes;
  const collectiveMs = price('comm', schedule.comm);
  const momentum = schedule.momentumPolicyApplies ? momentumCost(input.momentum, input.numParams, input.N, input.group) : momentumCost(undefined, input.numParams, input.N);
  const momentumMs = price('momentum', momentum.perStep) + price('momentum', momentum.perSync, momentum.syncsPerStep);
  const bytes = phaseBytes(schedule.comm).bytesSent
    + phaseBytes(momentum.perStep).bytesSent + momentum.syncsPerStep * phaseBytes(momentum.perSync).bytesSent;
  const commMs = collectiveMs + momentumMs;
  return {
    strategy: strategyLabel(strategy), numParams: input.numParams, N: input.N, linkGbit: input.linkGbit,
    stepMs: input.computeMs + codecMs + commMs, computeMs: input.computeMs, codecMs, commMs, collectiveKernelMs, momentumMs,
    bytesPerRank: bytes, phases,
  };
}

export interface StrategyComparison extends StepPrediction {
  /** lion's stepMs / this stepMs (> 1: faster than the fp32 baseline). */
  speedupVsLion: number;
  /** lion-bf16's stepMs / this stepMs. */
  speedupVsBf16: number;
}

export interface UnsupportedStrategy {
  strategy: string;
  unsupported: string;
}

/**
 * predictStep for every strategy (default modelStrategies()) with speedups over lion and lion-bf16 at the same
 * N, link and compute time. Strategies that cannot run at N are listed with the reason instead.
 */
export function compareStrategies(input: Omit<PredictStepInput, 'strategy'>, strategies: readonly string[] = modelStrategies()): (StrategyComparison | UnsupportedStrategy)[] {
  const lion = predictStep({ ...input, strategy: 'lion' }).stepMs;
  const bf16 = predictStep({ ...input, strategy: 'lion-bf16' }).stepMs;
  return strategies.map((text) => {
    const s = parseModelStrategy(text);
    const reason = unsupportedReason(s, input.N);
    if (reason) return { strategy: strategyLabel(s), unsupported: reason };
    const p = predictStep({ ...input, strategy: s });
    return { ...p, speedupVsLion: lion / p.stepMs, speedupVsBf16: bf16 / p.stepMs };
  });
}

/** World sizes of `lion-cub model --sweep`: 2, 4, …, 1024. */
export const SWEEP_WORLD_SIZES: readonly number[] = Array.from({ length: 10 }, (_, i) => 2 ** (i + 1));
