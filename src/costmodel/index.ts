// Public surface of the cost model: predict a step or a collective, compare strategies, check against measurements.

export { predictStep, compareStrategies, SWEEP_WORLD_SIZES } from './predict.js';
export type { PredictStepInput, StepPrediction, StrategyComparison, UnsupportedStrategy, PhaseTime } from './predict.js';
export { modelError, collectiveModelError } from './model-error.js';
export type { MeasuredStep, MeasuredCollective, ModelErrorReport, PointError } from './model-error.js';
export { predictCollective, collectivePhases } from './collective-model.js';
export type { CollectiveCall, CollectivePrediction } from './collective-model.js';
export { modelStrategies, parseModelStrategy, stepSchedule, strategyLabel, unsupportedReason } from './strategy-schedule.js';
export type { ModelStrategy, StepSchedule } from './strategy-schedule.js';
export { momentumCost } from './momentum-cost.js';
export type { MomentumSyncOptions, MomentumCost } from './momentum-cost.js';
export { contentionFactor, commPhaseCost, ONE_RANK_PER_HOST } from './phase-cost.js';
export type { HostLoad, CostContext, CommPhaseCost } from './phase-cost.js';
export type { CommPhase, KernelPhase, Phase, GroupSettings } from './phases.js';
export { KERNEL_NAMES, KERNEL_UNITS } from './kernels.js';
export type { KernelName, KernelCosts, KernelWork } from './kernels.js';
export { CONSTANTS_SCHEMA, alphaUsFor } from './constants.js';
export type { CostConstants, NetworkConstants, LinkCalibration } from './constants.js';
export { parseConstants, validateConstants, serializeConstants, ConstantsFileError } from './constants-file.js';
export { BUILTIN_CONSTANTS } from './builtin-constants.js';
export { defaultConstantsPath } from './constants-path.js';
export { fitNetwork, DEFAULT_OVERLAP_PENALTY, DEFAULT_WIRE_EFFICIENCY } from './calibration-fit.js';
export type { LaunchMeasurement, ShapedLaunch, TimedCall, NetworkFit } from './calibration-fit.js';
export { parseLinkGbit, formatLinkGbit, SWEEP_LINKS } from './link-rate.js';
export { measuredFromBenchRows, describeCall } from './bench-rows.js';
