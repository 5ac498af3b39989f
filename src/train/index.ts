// Public surface of the training module: the custom loop, the drop-in fit optimizer, checkpoints, configuration.

export { Trainer } from './trainer.js';
export type { TrainerOptions } from './trainer.js';
export { runTrainingJob } from './job.js';
export type { TrainJobOptions, TrainJobResult } from './job.js';
export { DistributedLionOptimizer, createFitOptimizer } from './fit-optimizer.js';
export type { FitOptimizerOptions, FitStepInfo, FitOptimizerConfig } from './fit-optimizer.js';
export { saveFitState, restoreFitState, fitTrajectory } from './fit-state.js';
export type { FitStateOptions, RestoredFitState } from './fit-state.js';
export { SavedLionState } from './fit-weights.js';
export type { NamedTensor } from './fit-weights.js';
export { SyncedParams } from './synced-params.js';
export type { SyncedParamsOptions, ParamsSnapshot } from './synced-params.js';
export { resolveTrainConfig, totalStepsOf, defaultSync, TRAIN_DEFAULTS, DEFAULT_STEPS, LR_SCHEDULES, TRAIN_BACKENDS } from './config.js';
export type { TrainConfig, LrScheduleName, TrainBackendName, FieldLabel } from './config.js';
export { learningRateSchedule, weightDecayMask, lionOptionsFor } from './lion-setup.js';
export type { ShapedSegment } from './lion-setup.js';
export { TrainEvents } from './events.js';
export type { TrainEvent, TrainEventType, TrainEventOf, StartEvent, StepEvent, EvalEvent, CheckpointEvent, DoneEvent, RestartEvent, ElasticResumeEvent } from './events.js';
export { evaluateSharded, datasetSlice } from './evaluate.js';
export type { ShardedEvalOptions } from './evaluate.js';
export { CheckpointError } from './checkpoint-errors.js';
export { NonFiniteGradientError } from './skip-guard.js';
export type { CheckpointErrorCode } from './checkpoint-errors.js';
export { encodeCheckpoint, decodeCheckpoint, decodeHeader, CHECKPOINT_MAGIC, CHECKPOINT_VERSION, READABLE_CHECKPOINT_VERSIONS } from './checkpoint-format.js';
export type { CheckpointHeader, CheckpointMeta, CheckpointPayload, CheckpointSection } from './checkpoint-format.js';
export {
  saveCheckpoint, loadCheckpoint, readCheckpointHeader, listCheckpointSteps, ranksWithCheckpoints, checkpointDir, checkpointFileName, KEEP_CHECKPOINTS,
} from './checkpoint-store.js';
export { newestCommonStep, chooseResumePoint } from './common-checkpoint.js';
export type { ListedCheckpoint, ResumePoint } from './common-checkpoint.js';
export { agreeOnResumeStep, agreeOnResumePoint, loadResumeCheckpoint, checkBelongsToRun, checkDataPosition } from './resume.js';
export { restoreElastic } from './elastic-restore.js';
export type { ElasticRestore } from './elastic-restore.js';
export type { ResumeExpectation } from './resume.js';
export { trajectoryOf, trajectoryHash, diffTrajectories, describeDifferences, canonicalJson } from './fingerprint.js';
export type { Trajectory, TrajectoryDifference, TrajectoryInputs } from './fingerprint.js';
export { MetricsWriter, metricsRecord } from './metrics.js';
export type { MetricsRecord } from './metrics.js';
export { lionBytesPerStep } from './lion-baseline.js';
export type { LionBaseline, LionBaselineOptions } from './lion-baseline.js';
