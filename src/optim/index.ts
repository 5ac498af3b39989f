// Everything the optimizer module offers the rest of lion-cub; the package's public part is chosen in src/index.ts.

export { MAX_NUM_PARAMS, createParamLayout, layoutFromLengths, layoutFromShapes, findSegment, segmentView, checkBufferLength } from './param-layout.js';
export type { Segment, ParamLayout } from './param-layout.js';
export { constantSchedule, linearWarmupSchedule, warmupCosineSchedule, learningRateAt } from './schedules.js';
export type { LearningRateSchedule, LinearWarmupOptions, WarmupCosineOptions } from './schedules.js';
export { resolveWeightDecayMask, globToRegExp } from './weight-decay-mask.js';
export type { WeightDecayMask } from './weight-decay-mask.js';
export { LION_DEFAULTS, resolveLionOptions } from './lion-options.js';
export type { LionOptions, ResolvedLionOptions } from './lion-options.js';
export { lionCoefficients, lionSign, checkCoefficients } from './lion-numerics.js';
export type { LionCoefficients, LionCoefficientInputs } from './lion-numerics.js';
export { sumOfSquares, sumOfSquaresJs, sumOfSquaresWasm, globalNorm, clipScale } from './global-norm.js';
export {
  lionFusedStep, lionFusedStepJs, lionFusedStepWasm,
  lionApplyDirection, lionApplyDirectionJs, lionApplyDirectionWasm,
  lionUpdateVector, lionUpdateVectorJs, lionUpdateVectorWasm,
} from './lion-fused.js';
export {
  updatesFromGradients, applyUpdates, chain, clipByGlobalNorm, scaleByLion, addDecayedWeights, scaleByLearningRate, composedLion,
} from './transforms.js';
export type { Updates, GradientTransformation, ScaleByLionState, ScaleByLearningRateState } from './transforms.js';
export { createLion, decayRuns } from './lion.js';
export type { DecayRun, CreateLionOptions, Lion, LionState, LionStepReport, LionStepPlan, PlanStepOptions } from './lion.js';
