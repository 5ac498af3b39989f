// Lion hyperparameters: the user-facing options, their defaults and their validation.

import { InvalidArgumentError } from '../errors.js';
import type { ParamLayout } from './param-layout.js';
import { constantSchedule, type LearningRateSchedule } from './schedules.js';
import { resolveWeightDecayMask, type WeightDecayMask } from './weight-decay-mask.js';

/** Lion hyperparameters as given by the user; resolveLionOptions fills defaults and checks ranges. */
export interface LionOptions {
  /** Learning rate η: a number (constant) or a schedule read at EVERY step. */
  lr: number | LearningRateSchedule;
  /** Interpolation weight of the momentum in the update direction c, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Momentum EMA decay, in [0, 1). Default 0.99. */
  beta2?: number;
  /** Decoupled weight decay λ (θ ← θ·(1 − η·λ)), ≥ 0. Default 0. Lion wants 3–10× AdamW's λ. */
  weightDecay?: number;
  /** Segments that receive weight decay (default: all). See WeightDecayMask. */
  weightDecayMask?: WeightDecayMask;
  /**
   * Clip the gradient by its global L2 norm over all segments: when ‖g‖₂ > maxGradNorm the
   * gradient is scaled by maxGradNorm/‖g‖₂ before it enters c and the momentum. Default: off.
   */
  maxGradNorm?: number;
}

/** Options after validation, with defaults filled in and the mask resolved per segment. */
export interface ResolvedLionOptions {
  readonly schedule: LearningRateSchedule;
  readonly beta1: number;
  readonly beta2: number;
  readonly weightDecay: number;
  /** One entry per layout segment: true when the segment is decayed. */
  readonly decayed: readonly boolean[];
  /** Clipping threshold, or null when clipping is off. */
  readonly maxGradNorm: number | null;
}

/** Default hyperparameters of the Lion paper: β1 = 0.9, β2 = 0.99, no weight decay. */
export const LION_DEFAULTS = Object.freeze({ beta1: 0.9, beta2: 0.99, weightDecay: 0 });

const KNOWN_KEYS = new Set(['lr', 'beta1', 'beta2', 'weightDecay', 'weightDecayMask', 'maxGradNorm']);

/**
 * Validates options against a layout. Throws InvalidArgumentError naming the field:
 * `lr` (not a finite non-negative number nor a function), `beta1`/`beta2` (outside [0, 1)),
 * `weightDecay` (negative or non-finite), `maxGradNorm` (not finite and > 0),
 * `weightDecayMask…` (see resolveWeightDecayMask), `options.<key>` (an unknown option, e.g. a typo).
 */
export function resolveLionOptions(layout: ParamLayout, options: LionOptions): ResolvedLionOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', options, 'an object with at least { lr }');
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new InvalidArgumentError(`options.${key}`, (options as unknown as Record<string, unknown>)[key], `no such option; known options: ${[...KNOWN_KEYS].join(', ')}`);
  }
  const { lr, beta1 = LION_DEFAULTS.beta1, beta2 = LION_DEFAULTS.beta2, weightDecay = LION_DEFAULTS.weightDecay } = options;
  let schedule: LearningRateSchedule;
  if (typeof lr === 'function') schedule = lr;
  else if (typeof lr === 'number') schedule = constantSchedule(lr);
  else throw new InvalidArgumentError('lr', lr, 'a finite, non-negative number or a schedule (step) => number');
  checkBeta('beta1', beta1);
  checkBeta('beta2', beta2);
  if (typeof weightDecay !== 'number' || !Number.isFinite(weightDecay) || weightDecay < 0) {
    throw new InvalidArgumentError('weightDecay', weightDecay, 'a finite number ≥ 0');
  }
  let maxGradNorm: number | null = null;
  if (options.maxGradNorm !== undefined) {
    maxGradNorm = options.maxGradNorm;
    if (typeof maxGradNorm !== 'number' || !Number.isFinite(maxGradNorm) || maxGradNorm <= 0) {
      throw new InvalidArgumentError('maxGradNorm', maxGradNorm, 'a finite number > 0 (omit it to turn clipping off)');
    }
  }
  const decayed = resolveWeightDecayMask(layout, options.weightDecayMask);
  return Object.freeze({ schedule, beta1, beta2, weightDecay, decayed: Object.freeze(decayed), maxGradNorm });
}

function checkBeta(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new InvalidArgumentError(field, value, 'a number in [0, 1)');
  }
}
