// Lion in composed form, optax style: small gradient transformations with explicit state, chained.
//
// Readable rather than fast; it exists to state the algorithm one idea at a time and to prove
// the fused kernel equal to it bit for bit. An update is additive values u (one float32 per
// parameter) plus, per segment, a coefficient κ of the parameters: the update is u + κ·θ.
// κ stays symbolic (float64) because weight decay is uniform over a segment; applyUpdates then
// computes θ' = f32(f32(θ·fround(1 + κ)) + u), the same single rounding of the decay factor as
// the fused kernel's fround(1 − η·λ).

import { InvalidArgumentError } from '../errors.js';
import { checkBufferLength, type ParamLayout } from './param-layout.js';
import { clipScale, sumOfSquares } from './global-norm.js';
import { resolveLionOptions, type LionOptions } from './lion-options.js';
import { constantSchedule, learningRateAt, type LearningRateSchedule } from './schedules.js';
import { resolveWeightDecayMask, type WeightDecayMask } from './weight-decay-mask.js';

const fround = Math.fround;

/** An update in flight. Transforms rewrite `values` and `paramCoef` in place. */
export interface Updates {
  readonly layout: ParamLayout;
  /** Additive part u, one float32 per parameter. */
  readonly values: Float32Array;
  /** Per segment, the coefficient κ of θ in the update (float64, exact until applyUpdates rounds once). */
  readonly paramCoef: Float64Array;
}

/** An init/update pair. `update` mutates `updates` (and may mutate `state`) and returns the new state. */
export interface GradientTransformation<S> {
  init(layout: ParamLayout, params: Float32Array): S;
  update(updates: Updates, state: S, params: Float32Array): S;
}

/** Starts an update from a gradient: values = a copy of grads, κ = 0. Throws InvalidArgumentError on a length mismatch. */
export function updatesFromGradients(layout: ParamLayout, grads: Float32Array): Updates {
  checkBufferLength('grads', grads, layout.numParams);
  return { layout, values: Float32Array.from(grads), paramCoef: new Float64Array(layout.segments.length) };
}

/** θ ← θ + update, per segment: θ' = f32(f32(θ·fround(1 + κ)) + u). Throws InvalidArgumentError on a length mismatch. */
export function applyUpdates(params: Float32Array, updates: Updates): void {
  checkBufferLength('params', params, updates.layout.numParams);
  updates.layout.segments.forEach((segment, j) => {
    const factor = fround(1 + updates.paramCoef[j]);
    const u = updates.values;
    for (let i = segment.offset; i < segment.offset + segment.length; i++) {
      params[i] = fround(fround(params[i] * factor) + u[i]);
    }
  });
}

/** Runs transforms one after the other; the state is the array of their states. */
export function chain(...transforms: GradientTransformation<any>[]): GradientTransformation<unknown[]> {
  return {
    init: (layout, params) => transforms.map((t) => t.init(layout, params)),
    update: (updates, states, params) => transforms.map((t, i) => t.update(updates, states[i], params)),
  };
}

/**
 * Clips the update (a gradient at this point) by its global L2 norm: when ‖u‖₂ > maxNorm,
 * u ← f32(u·fround(maxNorm/‖u‖₂)); otherwise u is left untouched. Stateless.
 * Throws InvalidArgumentError unless maxNorm is finite and > 0.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new InvalidArgumentError('maxGradNorm', maxNorm, 'a finite number > 0');
  }
  return {
    init: () => null,
    update: (updates) => {
      const scale = clipScale(Math.sqrt(sumOfSquares(updates.values)), maxNorm);
      if (scale !== 1) {
        const u = updates.values;
        for (let i = 0; i < u.length; i++) u[i] = fround(u[i] * scale);
      }
      return null;
    },
  };
}

/** State of scaleByLion: the momentum. */
export interface ScaleByLionState {
  /** The momentum m, one float32 per parameter (zeros at init). */
  momentum: Float32Array;
}

/**
 * The heart of Lion: with g the incoming update,
 *   c = f32(f32(b1·m) + f32(omb1·g)),   u ← sign(c) (±0 and NaN → +0),   m ← f32(f32(b2·m) + f32(omb2·g)).
 * b1 = fround(β1), omb1 = fround(1 − β1) and likewise for β2. κ is not touched.
 * Throws InvalidArgumentError when a beta is outside [0, 1).
 */
export function scaleByLion(beta1 = 0.9, beta2 = 0.99): GradientTransformation<ScaleByLionState> {
  for (const [field, beta] of [['beta1', beta1], ['beta2', beta2]] as const) {
    if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) throw new InvalidArgumentError(field, beta, 'a number in [0, 1)');
  }
  const b1 = fround(beta1), omb1 = fround(1 - beta1), b2 = fround(beta2), omb2 = fround(1 - beta2);
  return {
    init: (layout) => ({ momentum: new Float32Array(layout.numParams) }),
    update: (updates, state) => {
      const u = updates.values;
      const m = state.momentum;
      for (let i = 0; i < u.length; i++) {
        const g = u[i];
        const c = fround(fround(b1 * m[i]) + fround(omb1 * g));
        u[i] = c > 0 ? 1 : c < 0 ? -1 : 0;
        m[i] = fround(fround(b2 * m[i]) + fround(omb2 * g));
      }
      return state;
    },
  };
}

/**
 * Decoupled weight decay, u ← u + λ·θ on the masked-in segments, kept symbolic: κ ← κ + λ.
 * Stateless apart from the mask resolved at init. Throws InvalidArgumentError for a negative or
 * non-finite λ, and at init for a mask that does not fit the layout.
 */
export function addDecayedWeights(weightDecay: number, mask?: WeightDecayMask): GradientTransformation<readonly boolean[]> {
  if (typeof weightDecay !== 'number' || !Number.isFinite(weightDecay) || weightDecay < 0) {
    throw new InvalidArgumentError('weightDecay', weightDecay, 'a finite number ≥ 0');
  }
  return {
    init: (layout) => resolveWeightDecayMask(layout, mask),
    update: (updates, decayed) => {
      decayed.forEach((on, j) => { if (on) updates.paramCoef[j] += weightDecay; });
      return decayed;
    },
  };
}

/** State of scaleByLearningRate: the step counter its schedule reads. */
export interface ScaleByLearningRateState {
  /** Steps taken so far: the schedule is read at this index on the next update. */
  count: number;
}

/**
 * Multiplies the update by −η with η = schedule(count), read at every step:
 * u ← f32(−fround(η)·u), κ ← −η·κ (float64). Throws InvalidArgumentError for a bad lr or a
 * schedule value that is negative or not finite.
 */
export function scaleByLearningRate(lr: number | LearningRateSchedule): GradientTransformation<ScaleByLearningRateState> {
  const schedule = typeof lr === 'function' ? lr : constantSchedule(lr);
  return {
    init: () => ({ count: 0 }),
    update: (updates, state) => {
      const eta = learningRateAt(schedule, state.count);
      const minusLrf = -fround(eta);
      const u = updates.values;
      for (let i = 0; i < u.length; i++) u[i] = fround(minusLrf * u[i]);
      for (let j = 0; j < updates.paramCoef.length; j++) updates.paramCoef[j] *= -eta;
      return { count: state.count + 1 };
    },
  };
}

/**
 * Lion as a chain, with the same options (and validation) as createLion:
 * clipByGlobalNorm (when maxGradNorm is set) → scaleByLion → addDecayedWeights → scaleByLearningRate.
 * Use with updatesFromGradients and applyUpdates.
 */
export function composedLion(layout: ParamLayout, options: LionOptions): GradientTransformation<unknown[]> {
  const resolved = resolveLionOptions(layout, options);
  const decayedByName = new Map(layout.segments.map((s, j) => [s.name, resolved.decayed[j]]));
  const transforms: GradientTransformation<any>[] = [];
  if (resolved.maxGradNorm !== null) transforms.push(clipByGlobalNorm(resolved.maxGradNorm));
  transforms.push(
    scaleByLion(resolved.beta1, resolved.beta2),
    addDecayedWeights(resolved.weightDecay, (name) => decayedByName.get(name) ?? false),
    scaleByLearningRate(resolved.schedule),
  );
  return chain(...transforms);
}
