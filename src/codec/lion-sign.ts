// Fused Lion kernels on the 1-bit sign code: encode c = β1·m + (1−β1)·g, apply a voted Δ, or both in one pass.
//
// The update vector never exists as floats: encode writes its bits directly, and
// apply reads Δ from bits. Float32 operation order matches src/optim's Lion, so a
// step through here and a step there agree bit for bit wherever c ≠ 0.

import { checkStep, InvalidArgumentError } from '../errors.js';
import { canUseWasm, kernelFlag, kernelMemory } from '../kernels/load.js';
import { checkCodeLength, checkSameLength } from './sign-code-checks.js';
import { signKernels } from './sign-code-kernels.js';
import { lionApplySignJs, lionApplySignThetaJs, lionEncodeSignJs, lionNextMomentumJs, lionSignConstants, lionStepSignJs } from './lion-sign-js.js';

/** Hyperparameters lionApplySign needs: learning rate, weight decay and β2. */
export interface LionApplyHyperparams {
  /** Learning rate η (≥ 0). */
  lr: number;
  /** Decoupled weight decay λ (≥ 0, with η·λ ≤ 1); θ is scaled by 1 − η·λ. */
  weightDecay: number;
  /** Momentum EMA factor β2 in [0, 1). */
  beta2: number;
}

export interface LionStepHyperparams extends LionApplyHyperparams {
  /** Interpolation factor β1 in [0, 1) of the pre-sign update. */
  beta1: number;
}

/** A run of values [offset, offset + length) of the flat buffers. */
export interface ValueRange {
  offset: number;
  length: number;
}

// The same limits as src/optim's Lion, so that one set of hyperparameters is valid for both.
function checkBeta(field: string, beta: number): void {
  if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) throw new InvalidArgumentError(field, beta, 'a number in [0, 1)');
}

function checkApplyHyperparams(hp: LionApplyHyperparams): void {
  checkThetaHyperparams(hp);
  checkBeta('beta2', hp.beta2);
}

function checkThetaHyperparams(hp: Pick<LionApplyHyperparams, 'lr' | 'weightDecay'>): void {
  if (typeof hp.lr !== 'number' || !(hp.lr >= 0 && Number.isFinite(hp.lr))) throw new InvalidArgumentError('lr', hp.lr, 'a finite number ≥ 0');
  if (!(hp.weightDecay >= 0 && Number.isFinite(hp.weightDecay))) {
    throw new InvalidArgumentError('weightDecay', hp.weightDecay, 'a finite number ≥ 0');
  }
  if (hp.lr * hp.weightDecay > 1) {
    throw new InvalidArgumentError('weightDecay', hp.weightDecay, `lr·weightDecay ≤ 1 (lr is ${hp.lr}; a larger product flips the sign of the weights)`);
  }
}

/** The range's [offset, offset + length) within d values (default: all); throws InvalidArgumentError outside [0, d]. */
function checkRange(numValues: number, range?: ValueRange): ValueRange {
  const offset = range?.offset ?? 0;
  const length = range?.length ?? numValues - offset;
  if (!Number.isInteger(offset) || offset < 0 || offset > numValues) {
    throw new InvalidArgumentError('range.offset', offset, `an integer from 0 to ${numValues}`);
  }
  if (!Number.isInteger(length) || length < 0 || offset + length > numValues) {
    throw new InvalidArgumentError('range.length', length, `an integer from 0 to ${numValues - offset} (values left after offset ${offset})`);
  }
  return { offset, length };
}

/**
 * dst ← the 1-bit code (docs/wire-format.md) of c = f32(f32(β1·m) + f32((1−β1)·g)), i.e. this
 * worker's vote sign(c); c = ±0 or NaN takes the parity rule at `step`. Reads only. Returns true when
 * every g is finite (false when one is NaN or ±∞): the finiteness test, in the same pass.
 * `grads` must match `momentum` in length and `dst` must hold ceil(length / 32) words;
 * throws InvalidArgumentError otherwise, or for β1 outside [0, 1) or a bad step.
 */
export function lionEncodeSign(momentum: Float32Array, grads: Float32Array, beta1: number, dst: Uint32Array, step: number): boolean {
  checkBeta('beta1', beta1);
  checkStep(step);
  kernelMemory.checkLive('momentum', momentum);
  checkSameLength('grads', grads, momentum.length);
  checkCodeLength('dst', dst, momentum.length);
  if (momentum.length === 0) return true;
  const k = lionSignConstants({ lr: 0, beta1 });
  if (canUseWasm(momentum, grads, dst)) {
    const finite = signKernels().lionEncodeSign(momentum.byteOffset, grads.byteOffset, k.beta1, k.oneMinusBeta1, dst.byteOffset, momentum.length, step & 1);
    return kernelFlag('sign', 'lionEncodeSign', finite);
  }
  return lionEncodeSignJs(momentum, grads, k, dst, step);
}

/**
 * lionEncodeSign that also stages Lion's next momentum: next_i ← f32(f32(β2·m_i) + f32((1−β2)·g_i)), exactly the
 * momentum lionApplySign would leave, written while m and g are read for the code (so the apply can be the θ-only
 * lionApplySignTheta). `next` has the length of `momentum` and overlaps neither input; it is written even when some g
 * is not finite (the caller then discards it). Throws as lionEncodeSign, and for β2 outside [0, 1) or a bad `next`.
 */
export function lionEncodeSignStaged(momentum: Float32Array, grads: Float32Array, beta1: number, beta2: number, next: Float32Array,
  dst: Uint32Array, step: number): boolean {
  checkBeta('beta1', beta1);
  checkBeta('beta2', beta2);
  checkStep(step);
  kernelMemory.checkLive('momentum', momentum);
  checkSameLength('grads', grads, momentum.length);
  checkSameLength('next', next, momentum.length);
  checkCodeLength('dst', dst, momentum.length);
  if (momentum.length === 0) return true;
  const k = lionSignConstants({ lr: 0, beta1, beta2 });
  if (canUseWasm(momentum, grads, next, dst)) {
    const finite = signKernels().lionEncodeSignStaged(momentum.byteOffset, grads.byteOffset, k.beta1, k.oneMinusBeta1,
      k.beta2, k.oneMinusBeta2, next.byteOffset, dst.byteOffset, momentum.length, step & 1);
    return kernelFlag('sign', 'lionEncodeSignStaged', finite);
  }
  lionNextMomentumJs(momentum, grads, k, next);
  return lionEncodeSignJs(momentum, grads, k, dst, step);
}

/**
 * Applies a voted update in place on the values of `range` (default: all):
 *   θ_i ← f32(f32(θ_i·decay) − f32(lr·Δ_i)),  m_i ← f32(f32(β2·m_i) + f32((1−β2)·g_i)),
 * with Δ_i = −1 where bit i of `code` is 1 and +1 where it is 0 (i is the index in the full
 * buffers), decay = fround(1 − lr·weightDecay), every hyperparameter rounded once to float32.
 * A range lets the caller give each parameter segment its own weight decay; its offset need
 * not be a multiple of 32. `params`, `momentum` and `grads` have one length d and must not
 * overlap; `code` holds ceil(d / 32) words. Throws InvalidArgumentError on bad lengths,
 * hyperparameters or a range outside [0, d].
 */
export function lionApplySign(params: Float32Array, momentum: Float32Array, grads: Float32Array, code: Uint32Array,
  hp: LionApplyHyperparams, range?: ValueRange): void {
  checkApplyHyperparams(hp);
  kernelMemory.checkLive('params', params);
  const numValues = params.length;
  checkSameLength('momentum', momentum, numValues);
  checkSameLength('grads', grads, numValues);
  checkCodeLength('code', code, numValues);
  const { offset, length } = checkRange(numValues, range);
  if (length === 0) return;
  const k = lionSignConstants(hp);
  if (canUseWasm(params, momentum, grads, code)) {
    signKernels().lionApplySign(params.byteOffset, momentum.byteOffset, grads.byteOffset, code.byteOffset,
      k.decay, k.lr, k.beta2, k.oneMinusBeta2, offset, length);
  } else {
    lionApplySignJs(params, momentum, grads, code, k, offset, length);
  }
}

/**
 * One single-worker Lion step in one pass: c as in lionEncodeSign, its code written to `dst`,
 * and the Δ that code stands for applied as in lionApplySign (so a zero c moves θ by the
 * parity rule's ±lr, like every rank applying a tied vote). Same length rules; throws
 * InvalidArgumentError on bad lengths, hyperparameters or step.
 */
export function lionStepSign(params: Float32Array, momentum: Float32Array, grads: Float32Array, hp: LionStepHyperparams,
  dst: Uint32Array, step: number): void {
  checkApplyHyperparams(hp);
  checkBeta('beta1', hp.beta1);
  checkStep(step);
  kernelMemory.checkLive('params', params);
  const numValues = params.length;
  checkSameLength('momentum', momentum, numValues);
  checkSameLength('grads', grads, numValues);
  checkCodeLength('dst', dst, numValues);
  if (numValues === 0) return;
  const k = lionSignConstants(hp);
  if (canUseWasm(params, momentum, grads, dst)) {
    signKernels().lionStepSign(params.byteOffset, momentum.byteOffset, grads.byteOffset, k.beta1, k.oneMinusBeta1,
      k.beta2, k.oneMinusBeta2, k.decay, k.lr, dst.byteOffset, numValues, step & 1);
  } else {
    lionStepSignJs(params, momentum, grads, k, dst, step);
  }
}

/**
 * The θ half of lionApplySign alone, θ_i ← f32(f32(θ_i·decay) − f32(lr·Δ_i)) on `range`, bit for bit as lionApplySign:
 * for a step whose momentum lionEncodeSignStaged (or a staged p-bit encode) already computed. Throws as lionApplySign.
 */
export function lionApplySignTheta(params: Float32Array, code: Uint32Array, hp: Pick<LionApplyHyperparams, 'lr' | 'weightDecay'>,
  range?: ValueRange): void {
  checkThetaHyperparams(hp);
  kernelMemory.checkLive('params', params);
  checkCodeLength('code', code, params.length);
  const { offset, length } = checkRange(params.length, range);
  if (length === 0) return;
  const k = lionSignConstants(hp);
  if (canUseWasm(params, code)) signKernels().lionApplySignTheta(params.byteOffset, code.byteOffset, k.decay, k.lr, offset, length);
  else lionApplySignThetaJs(params, code, k, offset, length);
}
