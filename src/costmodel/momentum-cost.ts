// Momentum synchronisation in the cost model: what one sync costs and how often the policy runs it.

import { InvalidArgumentError } from '../errors.js';
import { SAMPLES_PER_LAYER } from '../sync/momentum-divergence.js';
import { scheduleSyncSteps, type MomentumPolicy } from '../sync/momentum-policy.js';
import { allreducePhase } from './plain-phases.js';
import { kernelPhase, type GroupSettings, type Phase } from './phases.js';

export interface MomentumSyncOptions {
  policy: MomentumPolicy;
  /** Steps a dense-then-sparse schedule is averaged over (its syncs thin out with time). Default 10 000. */
  totalSteps?: number;
  /** Fraction of the parameters one sync averages: the layers a `layers:GLOB` pattern matches, or the layers an adaptive check finds above threshold. Default 1. */
  syncedFraction?: number;
  /** Parameter tensors; an adaptive check allreduces 2 · min(256, size) float32 statistics per tensor. Default 1. */
  numLayers?: number;
}

/** Momentum sync of one step, amortised: perStep runs every step, perSync runs syncsPerStep times per step on average. */
export interface MomentumCost {
  syncsPerStep: number;
  perSync: Phase[];
  perStep: Phase[];
}

const NONE: MomentumCost = { syncsPerStep: 0, perSync: [], perStep: [] };

/**
 * Follows MomentumSynchronizer (src/sync/momentum-sync.ts): a sync is a mean allreduce of f·d momentum values,
 * float32, or bfloat16 with a conversion each way (@bf16). Frequency: every:K → 1/K; schedule:k → the number of
 * sync steps of t_{j+1} = t_j + ⌊2^(j/k)⌋ below totalSteps, divided by totalSteps; layers → every step;
 * adaptive → every step, after the divergence allreduce of 2·256 statistics per layer (capped by 2d).
 * Only compressed strategies synchronise momentum (lion and lion-bf16 keep identical momenta), and nothing
 * happens at N = 1. Throws InvalidArgumentError for a fraction outside (0, 1] or non-positive counts.
 */
export function momentumCost(options: MomentumSyncOptions | undefined, numParams: number, worldSize: number, settings: GroupSettings = {}): MomentumCost {
  if (!options || options.policy.kind === 'none' || worldSize === 1) return NONE;
  const fraction = options.syncedFraction ?? 1;
  if (!(fraction > 0 && fraction <= 1)) throw new InvalidArgumentError('syncedFraction', fraction, 'a fraction in (0, 1]');
  const totalSteps = options.totalSteps ?? 10_000;
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new InvalidArgumentError('totalSteps', totalSteps, 'a positive integer');
  const numLayers = options.numLayers ?? 1;
  if (!Number.isInteger(numLayers) || numLayers < 1) throw new InvalidArgumentError('numLayers', numLayers, 'a positive integer');
  const policy = options.policy;
  const values = Math.max(1, Math.round(fraction * numParams));
  const perSync: Phase[] = policy.payload === 'bf16'
    ? [kernelPhase('momentum to bfloat16', 'bf16-encode', values), allreducePhase(values, 'bfloat16', worldSize, settings), kernelPhase('momentum from bfloat16', 'bf16-decode', values)]
    : [allreducePhase(values, 'float32', worldSize, settings)];
  switch (policy.kind) {
    case 'every':
      return { syncsPerStep: 1 / policy.everySteps, perSync, perStep: [] };
    case 'layers':
      return { syncsPerStep: 1 / policy.everySteps, perSync, perStep: [] };
    case 'schedule':
      return { syncsPerStep: scheduleSyncSteps(policy.k, totalSteps).length / totalSteps, perSync, perStep: [] };
    case 'adaptive': {
      const stats = Math.min(2 * numParams, 2 * SAMPLES_PER_LAYER * numLayers);
      return { syncsPerStep: 1, perSync, perStep: [allreducePhase(stats, 'float32', worldSize, settings)] };
    }
  }
}
