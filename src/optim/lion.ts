// The Lion optimizer facade: owns the momentum and the step count, applies clipping, schedule and mask through the fused kernel.
//
// One step (docs/optimizer.md):  g̃ = clip(g);  c = β1·m + (1−β1)·g̃;
//   θ ← θ·(1 − η_t·λ_seg) − η_t·sign(c);  m ← β2·m + (1−β2)·g̃;  t ← t + 1
// with η_t read from the schedule at every step and λ_seg = 0 on masked-out segments.
// Distributed strategies split the step: updateVector() gives c, they combine the workers'
// votes into a direction Δ, and applyDirection() applies Δ with the same η_t, mask and clipping.

import { InvalidArgumentError } from '../errors.js';
import { lionApplySign, lionApplySignTheta } from '../codec/lion-sign.js';
import { allFinite, clipScale, sumOfSquares } from './global-norm.js';
import { checkClipped, encodeQuantCode, encodeSignCode, encodeSignSliceCode, forClippedGradient, scaleInPlace, type QuantCode } from './lion-codes.js';
import { lionApplyDirection, lionFusedStep, lionUpdateVector } from './lion-fused.js';
import { lionCoefficients, type LionCoefficients } from './lion-numerics.js';
import { resolveLionOptions, type LionOptions, type ResolvedLionOptions } from './lion-options.js';
import { checkBufferLength, type ParamLayout } from './param-layout.js';
import { learningRateAt } from './schedules.js';
import { MomentumBuffers } from './momentum-buffers.js';

/** Options of createLion: the Lion hyperparameters plus where the state lives. */
export interface CreateLionOptions extends LionOptions {
  /**
   * Where the momentum lives: 'heap' (default, a plain Float32Array) or 'kernel' (the shared
   * wasm memory, so that the wasm kernel runs in place when params and grads live there too).
   */
  stateMemory?: 'heap' | 'kernel';
}

/** The optimizer's mutable state: momentum (one value per parameter) and the step counter. */
export interface LionState {
  /**
   * The momentum m (live view; write into it to restore a checkpoint). Read it afresh after each step: with staged
   * momentum (Lion.reserveStagedMomentum) a step swaps in another buffer.
   */
  readonly momentum: Float32Array;
  /** Steps taken so far; the schedule is read at this index by the next step. Settable to resume. */
  step: number;
}

/** What one step used; returned by step() and applyDirection(). */
export interface LionStepReport {
  /** The step index η was read at. */
  readonly step: number;
  /** η_t as returned by the schedule. */
  readonly lr: number;
  /** ‖g‖₂ over all segments, or null when clipping is off. */
  readonly gradNorm: number | null;
  /** Factor applied to the gradient (1 when not clipped). */
  readonly gradScale: number;
  /**
   * False when some gradient element is NaN or ±∞ (then gradNorm, when computed, is not finite and the gradient
   * is not clipped: scaling cannot repair it). Sync strategies skip such a step on every rank (docs/strategies.md).
   */
  readonly gradsFinite: boolean;
}

/** The scalars of one pending step; valid only for the step index it was made for. */
export interface LionStepPlan extends LionStepReport {
  /** Coefficients for decayed segments and for masked-out segments. */
  readonly decayedCoefficients: LionCoefficients;
  readonly undecayedCoefficients: LionCoefficients;
  /**
   * True when planStep left the finiteness test to the encode (`deferFiniteCheck`, clipping off): gradsFinite is
   * then true until encodeSign / encodeQuant says otherwise, and the step applies only after an encode of this
   * step found every gradient value finite.
   */
  readonly finiteCheckDeferred?: boolean;
}

/** Options of planStep. */
export interface PlanStepOptions {
  /**
   * Skip planStep's own pass over the gradient for finiteness when clipping is off: the caller encodes with
   * encodeSign or encodeQuant, which test it in their own pass and return it. Default false.
   */
  deferFiniteCheck?: boolean;
}

/** A Lion optimizer over one flat parameter layout (createLion): hyperparameters, state, and the step. */
export interface Lion {
  readonly layout: ParamLayout;
  readonly options: ResolvedLionOptions;
  readonly state: LionState;
  /**
   * One full step in place on params and state (grads only read). Pass the plan from planStep when the caller
   * looked at it first. Throws InvalidArgumentError on bad lengths, a bad schedule value or a stale plan.
   */
  step(params: Float32Array, grads: Float32Array, plan?: LionStepPlan): LionStepReport;
  /** Reads η_t and the clipping factor for the next step without changing anything. */
  planStep(grads: Float32Array, options?: PlanStepOptions): LionStepPlan;
  /** Writes c = β1·m + (1−β1)·g̃ into `out` (length numParams); state unchanged. Returns the plan it used. */
  updateVector(grads: Float32Array, out: Float32Array, plan?: LionStepPlan): LionStepPlan;
  /**
   * θ ← θ·(1 − η_t·λ_seg) − η_t·Δ, m ← β2·m + (1−β2)·g̃, t ← t + 1, for an external direction Δ.
   * Pass the plan used for updateVector so both halves share η_t and the clipping factor.
   */
  applyDirection(params: Float32Array, grads: Float32Array, direction: Float32Array, plan?: LionStepPlan): LionStepReport;
  /**
   * For the code kernels below, which take the gradient as given: scales `grads` in place to the clipped
   * g̃ = f32(g·gradScale) when the plan clips, and returns the plan for g̃ (same step and rate, the report's
   * gradNorm and gradScale kept). Use the returned plan for every later half-step of this step.
   */
  clipInPlace(grads: Float32Array, plan: LionStepPlan): LionStepPlan;
  /**
   * dst ← the 1-bit code of this worker's c (⌈d/32⌉ words; a zero c by the parity rule at the plan's step). Returns
   * true when every gradient value is finite (tested in the same pass). State unchanged.
   */
  encodeSign(grads: Float32Array, dst: Uint32Array, plan: LionStepPlan): boolean;
  /**
   * dst ← the 1-bit code of this worker's c over values [offset, offset + length) only, offset a multiple of 32 unless the slice is empty (bit j is
   * value offset + j; a zero c by the parity rule at the plan's step). The owner's tie-break of cub-pbit's vote: does not
   * count as this step's encode (finiteness is not recorded). State unchanged.
   */
  encodeSignSlice(grads: Float32Array, dst: Uint32Array, plan: LionStepPlan, slice: { offset: number; length: number }): void;
  /** dst ← the p-bit code of this worker's c, quantised per layer (docs/wire-format.md); returns as encodeSign. State unchanged. */
  encodeQuant(grads: Float32Array, quant: QuantCode, dst: Uint32Array, plan: LionStepPlan): boolean;
  /**
   * applyDirection with Δ ∈ {−1, +1} read from a combined 1-bit code: θ, m and the step counter advance. When the
   * last encode (encodeSign / encodeQuant with this plan and this grads array) staged the momentum, only θ is
   * written and the staged buffer becomes m, bit for bit the same result.
   */
  applySignCode(params: Float32Array, grads: Float32Array, code: Uint32Array, plan: LionStepPlan): LionStepReport;
  /**
   * Reserves a second momentum buffer (idempotent): from then on encodeSign and encodeQuant also write the momentum
   * the step will leave, m' = β2·m + (1−β2)·g̃, while they read m and g̃, and applySignCode only moves θ and swaps
   * m' in. Call where the caller is built, never inside a step (a kernel-memory allocation detaches views).
   */
  reserveStagedMomentum(): void;
  /**
   * Records the planned step as skipped: the step counter advances (the schedule moves on, like the batch), the
   * parameters and the momentum stay as they are. For a step whose gradient was not finite on some rank.
   */
  skip(plan: LionStepPlan): LionStepReport;
  /** Releases kernel memory held for the momentum; the optimizer is unusable afterwards. */
  dispose(): void;
}

/** A stretch of neighbouring segments sharing one weight-decay flag. */
export interface DecayRun { start: number; end: number; decayed: boolean }

/**
 * Creates a Lion optimizer for a layout. Throws InvalidArgumentError for invalid options
 * (see resolveLionOptions) or an unknown stateMemory.
 */
export function createLion(layout: ParamLayout, options: CreateLionOptions): Lion {
  const { stateMemory = 'heap', ...lionOptions } = options ?? ({} as CreateLionOptions);
  if (stateMemory !== 'heap' && stateMemory !== 'kernel') {
    throw new InvalidArgumentError('stateMemory', stateMemory, "'heap' or 'kernel'");
  }
  const resolved = resolveLionOptions(layout, lionOptions);
  const runs = decayRuns(layout, resolved.decayed);
  const buffers = new MomentumBuffers(layout.numParams, stateMemory);
  // The encode that staged m' for a step, with the gradient it read; used only by an applySignCode of that same
  // plan and gradient. Cleared whenever the step counter moves (applied, skipped, or set to resume).
  let staged: { plan: LionStepPlan; grads: Float32Array } | null = null;
  let stepCount = 0;
  const state: LionState = {
    get momentum() { return buffers.current; },
    get step() { return stepCount; },
    set step(value: number) {
      stepCount = value;
      staged = null;
    },
  };
  const stagingFor = (plan: LionStepPlan, grads: Float32Array) => {
    staged = null;
    return buffers.canStage ? { out: buffers.staging(), beta2: resolved.beta2, plan, grads } : undefined;
  };
  /** Keeps a staging encode's result for the apply when its gradient was finite (otherwise the step is skipped). */
  const recordStaged = (staging: { plan: LionStepPlan; grads: Float32Array } | undefined, finite: boolean): boolean => {
    if (staging && finite) staged = { plan: staging.plan, grads: staging.grads };
    return finite;
  };

  // What the last encode of a deferred-finiteness plan found, so that such a step never applies a non-finite gradient.
  let encoded: { step: number; finite: boolean } | null = null;

  const planStep = (grads: Float32Array, options: PlanStepOptions = {}): LionStepPlan => {
    checkBufferLength('grads', grads, layout.numParams);
    const step = state.step;
    const lr = learningRateAt(resolved.schedule, step);
    let gradNorm: number | null = null;
    let gradScale = 1;
    let gradsFinite: boolean;
    let finiteCheckDeferred = false;
    if (resolved.maxGradNorm !== null) {
      // Σ g² is finite exactly when every element is (float32 squares cannot overflow a float64 sum), so the
      // norm's pass is also the finiteness check.
      gradNorm = Math.sqrt(sumOfSquares(grads));
      gradScale = clipScale(gradNorm, resolved.maxGradNorm);
      gradsFinite = Number.isFinite(gradNorm);
    } else if (options.deferFiniteCheck === true) {
      gradsFinite = true;
      finiteCheckDeferred = true;
    } else {
      gradsFinite = allFinite(grads);
    }
    const base = { lr, beta1: resolved.beta1, beta2: resolved.beta2, weightDecay: resolved.weightDecay, gradScale };
    return {
      step, lr, gradNorm, gradScale, gradsFinite, finiteCheckDeferred,
      decayedCoefficients: lionCoefficients({ ...base, decayed: true }),
      undecayedCoefficients: lionCoefficients({ ...base, decayed: false }),
    };
  };

  const checkPlan = (plan: LionStepPlan): void => {
    if (plan.step !== state.step) throw new InvalidArgumentError('plan.step', plan.step, `a plan made for the current step ${state.step}`);
  };

  /** A deferred plan applies only after an encode of its step found every gradient value finite. */
  const checkApplicable = (plan: LionStepPlan): void => {
    checkPlan(plan);
    if (plan.finiteCheckDeferred !== true) return;
    if (encoded?.step !== plan.step) {
      throw new InvalidArgumentError('plan', 'finiteCheckDeferred', 'a plan whose step was encoded first (encodeSign or encodeQuant test finiteness for a deferred plan)');
    }
    if (!encoded.finite) {
      throw new InvalidArgumentError('plan', 'non-finite gradient', 'a finite gradient: the encode of this step found a NaN or ±∞; skip the step (lion.skip)');
    }
  };

  const recordEncode = (plan: LionStepPlan, finite: boolean): boolean => {
    encoded = { step: plan.step, finite };
    return finite;
  };

  const report = (plan: LionStepPlan): LionStepReport =>
    ({ step: plan.step, lr: plan.lr, gradNorm: plan.gradNorm, gradScale: plan.gradScale, gradsFinite: plan.gradsFinite });

  const coefficientsFor = (plan: LionStepPlan, run: DecayRun): LionCoefficients =>
    run.decayed ? plan.decayedCoefficients : plan.undecayedCoefficients;

  return {
    layout,
    options: resolved,
    state,
    planStep,
    step(params, grads, plan = planStep(grads)) {
      checkBufferLength('params', params, layout.numParams);
      checkBufferLength('grads', grads, layout.numParams);
      checkApplicable(plan);
      const momentum = state.momentum;
      for (const run of runs) lionFusedStep(params, momentum, grads, coefficientsFor(plan, run), run.start, run.end);
      state.step = plan.step + 1;
      return report(plan);
    },
    updateVector(grads, out, plan = planStep(grads)) {
      checkBufferLength('grads', grads, layout.numParams);
      checkBufferLength('out', out, layout.numParams);
      checkPlan(plan);
      // c does not depend on weight decay, so one call covers every segment.
      lionUpdateVector(state.momentum, grads, out, plan.undecayedCoefficients);
      return plan;
    },
    applyDirection(params, grads, direction, plan = planStep(grads)) {
      checkBufferLength('params', params, layout.numParams);
      checkBufferLength('grads', grads, layout.numParams);
      checkBufferLength('direction', direction, layout.numParams);
      checkApplicable(plan);
      const momentum = state.momentum;
      for (const run of runs) lionApplyDirection(params, momentum, grads, direction, coefficientsFor(plan, run), run.start, run.end);
      state.step = plan.step + 1;
      return report(plan);
    },
    clipInPlace(grads, plan) {
      checkBufferLength('grads', grads, layout.numParams);
      checkPlan(plan);
      if (plan.undecayedCoefficients.gradScale === 1) return plan;
      scaleInPlace(grads, plan.undecayedCoefficients.gradScale);
      return forClippedGradient(plan);
    },
    encodeSign(grads, dst, plan) {
      checkPlan(plan);
      const staging = stagingFor(plan, grads);
      return recordEncode(plan, recordStaged(staging, encodeSignCode(state.momentum, grads, dst, resolved.beta1, plan, staging)));
    },
    encodeSignSlice(grads, dst, plan, slice) {
      checkPlan(plan);
      checkBufferLength('grads', grads, layout.numParams);
      encodeSignSliceCode(state.momentum, grads, dst, resolved.beta1, plan, slice);
    },
    encodeQuant(grads, quant, dst, plan) {
      checkPlan(plan);
      const staging = stagingFor(plan, grads);
      return recordEncode(plan, recordStaged(staging, encodeQuantCode(state.momentum, grads, dst, resolved.beta1, layout, quant, plan, staging)));
    },
    applySignCode(params, grads, code, plan) {
      checkApplicable(plan);
      checkClipped(plan);
      // When the encode of this plan wrote m' from this gradient, θ alone moves, then m' becomes m.
      const useStaged = staged !== null && staged.plan === plan && staged.grads === grads;
      if (useStaged) checkBufferLength('grads', grads, layout.numParams);
      const momentum = useStaged ? null : state.momentum;
      for (const run of runs) {
        const weightDecay = run.decayed ? resolved.weightDecay : 0;
        const range = { offset: run.start, length: run.end - run.start };
        if (momentum) lionApplySign(params, momentum, grads, code, { lr: plan.lr, weightDecay, beta2: resolved.beta2 }, range);
        else lionApplySignTheta(params, code, { lr: plan.lr, weightDecay }, range);
      }
      if (useStaged) buffers.swap();
      state.step = plan.step + 1;
      return report(plan);
    },
    reserveStagedMomentum() {
      buffers.reserveStaging();
    },
    skip(plan) {
      checkPlan(plan);
      state.step = plan.step + 1;
      return report(plan);
    },
    dispose() {
      buffers.dispose();
    },
  };
}

/** Merges neighbouring segments with the same decay flag, so a step makes one kernel call per run rather than per tensor. */
export function decayRuns(layout: ParamLayout, decayed: readonly boolean[]): DecayRun[] {
  const runs: DecayRun[] = [];
  layout.segments.forEach((segment, j) => {
    const last = runs[runs.length - 1];
    if (last && last.decayed === decayed[j] && last.end === segment.offset) last.end = segment.offset + segment.length;
    else runs.push({ start: segment.offset, end: segment.offset + segment.length, decayed: decayed[j] });
  });
  return runs;
}
