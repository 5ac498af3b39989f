// Lion's half-steps on wire codes, for data-parallel strategies: encode this worker's c as a 1-bit or p-bit code
// and apply a combined 1-bit code, with the fused kernels of src/codec, under the coefficients of one step plan.
//
// These kernels take the gradient as given (they have no clipping factor), so the plan they get must be one for
// the clipped gradient g̃: clipInPlace scales the buffer once and returns it.

import { lionEncodeSign, lionEncodeSignStaged } from '../codec/lion-sign.js';
import { lionEncodeQuant, type StagedMomentum } from '../codec/quant.js';
import type { QuantBits, QuantMethod } from '../codec/quant-options.js';
import { InvalidArgumentError } from '../errors.js';
import type { LionCoefficients } from './lion-numerics.js';
import type { ParamLayout } from './param-layout.js';

/** What a p-bit encode quantises with (docs/wire-format.md); `seed` is this worker's stream for `stochastic`. */
export interface QuantCode {
  bits: QuantBits;
  method: QuantMethod;
  seed?: number;
}

/** The coefficients of a plan, for segments with and without weight decay. */
export interface PlanCoefficients {
  readonly step: number;
  readonly decayedCoefficients: LionCoefficients;
  readonly undecayedCoefficients: LionCoefficients;
}

/** The plan's coefficients for an already clipped gradient: the same step, with gradScale 1. */
export function forClippedGradient<P extends PlanCoefficients>(plan: P): P {
  const unit = (k: LionCoefficients): LionCoefficients => ({ ...k, gradScale: 1 });
  return { ...plan, decayedCoefficients: unit(plan.decayedCoefficients), undecayedCoefficients: unit(plan.undecayedCoefficients) };
}

/** g ← f32(g·s) in place. */
export function scaleInPlace(values: Float32Array, scale: number): void {
  const s = Math.fround(scale);
  for (let i = 0; i < values.length; i++) values[i] = Math.fround(values[i] * s);
}

/** Throws unless the plan is one for a clipped gradient (the code kernels cannot scale it). */
export function checkClipped(plan: PlanCoefficients): void {
  if (plan.undecayedCoefficients.gradScale !== 1) {
    throw new InvalidArgumentError('plan', `gradScale ${plan.undecayedCoefficients.gradScale}`, 'the plan returned by clipInPlace (the code kernels take the clipped gradient as given)');
  }
}

/**
 * dst ← the 1-bit code of c = f32(f32(b1·m) + f32(omb1·g̃)); zeros by the parity rule at the plan's step. True when every g̃ is finite.
 * With `staged`, also writes the next momentum into `staged.out` (lionEncodeSignStaged).
 */
export function encodeSignCode(momentum: Float32Array, grads: Float32Array, dst: Uint32Array, beta1: number, plan: PlanCoefficients,
  staged?: StagedMomentum): boolean {
  checkClipped(plan);
  if (staged) return lionEncodeSignStaged(momentum, grads, beta1, staged.beta2, staged.out, dst, plan.step);
  return lionEncodeSign(momentum, grads, beta1, dst, plan.step);
}

/**
 * dst ← the 1-bit code of c over [offset, offset + length). A non-empty slice's offset must be a multiple of 32 so that its
 * parity rule (bit j: (j + step) mod 2) is the whole vector's. Throws InvalidArgumentError for a slice outside the vector.
 */
export function encodeSignSliceCode(momentum: Float32Array, grads: Float32Array, dst: Uint32Array, beta1: number, plan: PlanCoefficients,
  slice: { offset: number; length: number }): void {
  checkClipped(plan);
  const { offset, length } = slice ?? {};
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || (length > 0 && offset % 32 !== 0) || length < 0 || offset < 0 || offset + length > momentum.length) {
    throw new InvalidArgumentError('slice', slice, `{offset, length} within the ${momentum.length} values, offset a multiple of 32`);
  }
  lionEncodeSign(momentum.subarray(offset, offset + length), grads.subarray(offset, offset + length), beta1, dst, plan.step);
}

/** dst ← the p-bit code of c, quantised per layer of `layout`. True when every g̃ is finite. `staged` as for encodeSignCode. */
export function encodeQuantCode(momentum: Float32Array, grads: Float32Array, dst: Uint32Array, beta1: number, layout: ParamLayout,
  quant: QuantCode, plan: PlanCoefficients, staged?: StagedMomentum): boolean {
  checkClipped(plan);
  return lionEncodeQuant(momentum, grads, beta1, layout.segments, { bits: quant.bits, method: quant.method, seed: quant.seed, step: plan.step }, dst, staged);
}
