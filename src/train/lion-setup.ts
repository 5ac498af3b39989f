// Turns the run's optimizer settings (rate, schedule, weight-decay exclusions, clipping) into Lion options.

import type { CreateLionOptions } from '../optim/lion.js';
import { constantSchedule, linearWarmupSchedule, warmupCosineSchedule, type LearningRateSchedule } from '../optim/schedules.js';
import type { WeightDecayMask } from '../optim/weight-decay-mask.js';
import type { TrainConfig } from './config.js';

/** Name and shape of one parameter tensor, in flat-buffer order. */
export interface ShapedSegment {
  readonly name: string;
  readonly shape: readonly number[];
}

type OptimizerSettings = Pick<TrainConfig, 'lr' | 'lrSchedule' | 'warmupSteps' | 'minLr' | 'beta1' | 'beta2' | 'weightDecay' | 'weightDecayExclude' | 'maxGradNorm'>;

/**
 * η_t of the run, t = 0-based optimizer step:
 *   constant: η·(t+1)/W during W warm-up steps, then η;
 *   cosine:   the same warm-up, then cosine decay from η to minLr, reaching minLr at t = totalSteps.
 * Throws InvalidArgumentError (from src/optim) for inconsistent values, e.g. warmupSteps > totalSteps under cosine.
 */
export function learningRateSchedule(settings: OptimizerSettings, totalSteps: number): LearningRateSchedule {
  const { lr, lrSchedule, warmupSteps, minLr } = settings;
  if (lrSchedule === 'cosine') return warmupCosineSchedule({ peakLr: lr, warmupSteps, totalSteps, minLr });
  return warmupSteps > 0 ? linearWarmupSchedule({ peakLr: lr, warmupSteps }) : constantSchedule(lr);
}

/**
 * Which tensors are decayed. Default (weightDecayExclude null): tensors of rank ≥ 2 (weight matrices) are,
 * vectors (biases, norm gains) are not, as usual for Lion and AdamW. With a list, exactly the tensors matching
 * one of its names/globs are left undecayed (an empty list decays everything); each entry must match a tensor.
 */
export function weightDecayMask(settings: Pick<TrainConfig, 'weightDecayExclude'>, segments: readonly ShapedSegment[]): WeightDecayMask {
  if (settings.weightDecayExclude !== null) return { exclude: settings.weightDecayExclude };
  const rankOf = new Map(segments.map((s) => [s.name, s.shape.length]));
  return (name) => (rankOf.get(name) ?? 0) >= 2;
}

/** The Lion options of a run over `segments` (momentum in kernel memory, so the wasm kernels run in place). */
export function lionOptionsFor(settings: OptimizerSettings, segments: readonly ShapedSegment[], totalSteps: number): CreateLionOptions {
  return {
    lr: learningRateSchedule(settings, totalSteps),
    beta1: settings.beta1,
    beta2: settings.beta2,
    weightDecay: settings.weightDecay,
    weightDecayMask: weightDecayMask(settings, segments),
    ...(settings.maxGradNorm === null ? {} : { maxGradNorm: settings.maxGradNorm }),
    stateMemory: 'kernel',
  };
}
