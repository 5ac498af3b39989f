// The float32 scalars of one Lion step, rounded exactly as every Lion kernel in lion-cub expects.
//
// Kernels elsewhere (fused sign packing, vote-and-apply) must reproduce the optimizer bit for
// bit, so the rounding of every scalar is fixed here once and documented in docs/optimizer.md.

import { lionSignConstants } from '../codec/lion-sign-js.js';
import { InvalidArgumentError } from '../errors.js';

/** Float32 scalars of one step over one segment (JS numbers holding float32 values). */
export interface LionCoefficients {
  /** fround(β1) */
  readonly b1: number;
  /** fround(1 − β1), the subtraction done in float64 */
  readonly omb1: number;
  /** fround(β2) */
  readonly b2: number;
  /** fround(1 − β2), the subtraction done in float64 */
  readonly omb2: number;
  /** fround(η) */
  readonly lrf: number;
  /** fround(1 − η·λ) (float64 product and difference, one rounding) for a decayed segment, exactly 1 otherwise */
  readonly decay: number;
  /** Factor applied to the gradient first (global-norm clipping); exactly 1 when not clipping */
  readonly gradScale: number;
}

/** Hyperparameters of one Lion step for one run of parameters, from which lionCoefficients derives the float32 factors. */
export interface LionCoefficientInputs {
  lr: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  /** Whether this segment receives weight decay (the mask). */
  decayed: boolean;
  /** Default 1. */
  gradScale?: number;
}

/**
 * Rounds one step's hyperparameters to the float32 scalars the kernels use.
 * Throws InvalidArgumentError for lr or weightDecay negative/non-finite, betas outside [0, 1),
 * lr·weightDecay > 1 (the decay factor would flip the sign of the weights), or a gradScale
 * that is not finite and ≥ 0.
 */
export function lionCoefficients({ lr, beta1, beta2, weightDecay, decayed, gradScale = 1 }: LionCoefficientInputs): LionCoefficients {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) throw new InvalidArgumentError('lr', lr, 'a finite number ≥ 0');
  if (typeof beta1 !== 'number' || !(beta1 >= 0 && beta1 < 1)) throw new InvalidArgumentError('beta1', beta1, 'a number in [0, 1)');
  if (typeof beta2 !== 'number' || !(beta2 >= 0 && beta2 < 1)) throw new InvalidArgumentError('beta2', beta2, 'a number in [0, 1)');
  if (typeof weightDecay !== 'number' || !Number.isFinite(weightDecay) || weightDecay < 0) {
    throw new InvalidArgumentError('weightDecay', weightDecay, 'a finite number ≥ 0');
  }
  if (lr * weightDecay > 1) {
    throw new InvalidArgumentError('weightDecay', weightDecay, `lr·weightDecay ≤ 1 (lr is ${lr}; a larger product flips the sign of the weights)`);
  }
  if (typeof gradScale !== 'number' || !Number.isFinite(gradScale) || gradScale < 0) {
    throw new InvalidArgumentError('gradScale', gradScale, 'a finite number ≥ 0');
  }
  // The codec's fused kernels round the same scalars; one function derives them for both.
  const k = lionSignConstants({ lr, beta1, beta2, weightDecay: decayed ? weightDecay : 0 });
  return { b1: k.beta1, omb1: k.oneMinusBeta1, b2: k.beta2, omb2: k.oneMinusBeta2, lrf: k.lr, decay: k.decay, gradScale: Math.fround(gradScale) };
}

/** sign(c) as Lion uses it: +1, −1, and +0 for +0, −0 and NaN (a zero update moves nothing). */
export function lionSign(c: number): number {
  if (c > 0) return 1;
  if (c < 0) return -1;
  return 0;
}

/**
 * Throws InvalidArgumentError (field `coefficients`) when hand-built coefficients break what
 * the kernels rely on: every value a float32, finite, lrf ≥ 0, gradScale ≥ 0.
 */
export function checkCoefficients(k: LionCoefficients): void {
  if (k === null || typeof k !== 'object') throw new InvalidArgumentError('coefficients', k, 'the result of lionCoefficients()');
  for (const key of ['b1', 'omb1', 'b2', 'omb2', 'lrf', 'decay', 'gradScale'] as const) {
    const v = k[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.fround(v) !== v) {
      throw new InvalidArgumentError(`coefficients.${key}`, v, 'a finite float32 value (use lionCoefficients())');
    }
  }
  if (k.lrf < 0) throw new InvalidArgumentError('coefficients.lrf', k.lrf, 'a value ≥ 0');
  if (k.gradScale < 0) throw new InvalidArgumentError('coefficients.gradScale', k.gradScale, 'a value ≥ 0');
}
