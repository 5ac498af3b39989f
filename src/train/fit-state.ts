// Saving and restoring a model.fit run's whole distributed state in a run directory: a bit-exact resume on the
// ranks that saved it, and a resume on another number of ranks by the rule of `lion-cub train`.
//
// A model file (model.save with includeOptimizer) holds one rank's momentum; under compressed strategies the
// ranks' momenta differ, so an exact resume needs every rank's. saveFitState writes each rank's parameters,
// momentum and step as the CLI's checkpoints (<runDir>/checkpoints, the same format, verification and
// pruning); restoreFitState agrees on a step (one allgather, agreeOnResumePointIfAny) and restores it through the
// trainer's code (restoreLatestIfSaved): exactly when the world is the one that saved, otherwise by elastic-restore.ts.

import { createHash } from 'node:crypto';
import { checkpointDir } from './checkpoint-store.js';
import { canonicalJson, trajectoryHash, type Trajectory } from './fingerprint.js';
import type { DistributedLionOptimizer } from './fit-optimizer.js';
import type { ElasticRestore } from './elastic-restore.js';
import { describeElasticResume, elasticResumeEvent } from './elastic-resume-report.js';
import type { ElasticResumeEvent } from './events.js';
import { restoreLatestIfSaved, saveRankCheckpoint, type CheckpointSubject } from './trainer-checkpoints.js';
import type { DataPosition } from '../workloads/data-position.js';
import type { DistributedSampler } from '../workloads/sharding.js';

/** Where the data stands: the sampler that cut this run's global batches (its position() maps step → epoch). */
export interface FitStateOptions {
  /**
   * Anything with the DistributedSampler's position(step); default: one epoch of unbounded length. A
   * DistributedSampler also records the job's data position in every checkpoint (its dataPosition), and a resume
   * refuses a position from other data, global batch, seed or order, naming `data.<field>`.
   */
  sampler?: Pick<DistributedSampler, 'position'> & Partial<Pick<DistributedSampler, 'dataPosition' | 'globalBatchSize' | 'localBatchSize'>>;
  /** Where restoreFitState reports a damaged checkpoint it stepped back from, or a damaged old rank's file it left out. */
  onWarning?: (message: string) => void;
  /**
   * Given, on every rank, the `elastic-resume` record when restoreFitState resumes on another world size (or with
   * ranks that held no files): the record `lion-cub train` writes to --json and metrics.jsonl.
   */
  onEvent?: (event: ElasticResumeEvent) => void;
  /**
   * Where the one-line description of such a resume goes (the line `lion-cub train` prints). Default: rank 0 writes
   * it to stderr as `lion-cub: …`; pass `() => {}` to silence it.
   */
  log?: (line: string) => void;
}

/** A restored state: the step the next batch has, and its data position. */
export interface RestoredFitState {
  /** Optimizer steps completed by the whole job: fit continues with global batch `step`, whatever the world size. */
  step: number;
  epoch: number;
  stepInEpoch: number;
  /** The job's data position before global batch `step` (all ranks together), when the sampler has dataPosition. */
  data: DataPosition | null;
  /** This rank's checkpoint file; null for a rank that held none (it joined, or replaced a lost one). */
  path: string | null;
  /** What the resume on another world size did (parameters from, momentum rule); null for an exact resume. */
  elastic: ElasticRestore | null;
}

/**
 * What identifies a fit run: the optimizer's settings, the world size and the parameter shapes (not their
 * names: tfjs numbers auto-named layers per process, so a rebuilt model's names differ).
 */
export function fitTrajectory(optimizer: DistributedLionOptimizer): Trajectory {
  const config = optimizer.getConfig();
  const layout = optimizer.synced.flat.segments.map((s) => s.shape);
  return {
    kind: 'fit',
    sync: config.sync,
    momentumSync: config.momentumSync,
    seed: config.seed,
    numParams: config.numParams,
    worldSize: config.worldSize,
    layout: createHash('sha256').update(canonicalJson(layout)).digest('hex'),
  };
}

function subjectOf(optimizer: DistributedLionOptimizer, options: FitStateOptions): CheckpointSubject {
  const trajectory = fitTrajectory(optimizer);
  return {
    group: optimizer.group,
    synced: optimizer.synced,
    sampler: options.sampler ?? { position: (step) => ({ epoch: 0, step }) },
    trajectory,
    trajectoryHash: trajectoryHash(trajectory),
    config: { seed: optimizer.getConfig().seed },
    // The step counts global batches; a sampler that keeps the global batch re-shards the rest over any world size.
    elastic: true,
    onWarning: options.onWarning,
  };
}

/**
 * Writes this rank's parameters, momentum and step to <runDir>/checkpoints; every rank must call it at the
 * same step (it ends at a barrier). Call it between batches, e.g. from an async onStep listener. Resolves to
 * the file's path and size.
 */
export async function saveFitState(optimizer: DistributedLionOptimizer, runDir: string, options: FitStateOptions = {}): Promise<{ path: string; byteLength: number }> {
  return saveRankCheckpoint(subjectOf(optimizer, options), checkpointDir(runDir));
}

/**
 * Restores on every rank the state saved in `runDir` (parameters into the model too, momentum, the step); all
 * ranks call it together, after createFitOptimizer and before fit. The step is the newest one held intact by
 * every rank that holds files (a rank holding none is new and does not block; chooseResumePoint).
 * - Same world size, every rank holds its file: each rank restores its own parameters and momentum, bit-exact.
 * - Another world size, or ranks without files: parameters from the lowest rank holding the step; every rank's
 *   momentum = the mean of the momenta the old ranks saved (copied exactly when they are equal: lion,
 *   lion-bf16); `elastic` reports it, and so do `onEvent` (the `elastic-resume` record) and `log` (a line, by
 *   default on rank 0's stderr). The caller re-shards the data: keep the global batch and read global
 *   batches `step`, `step`+1, … cut into this world's parts (a DistributedSampler of this world size does that).
 * Resolves to null when no rank has saved anything there (a fresh run). Throws CheckpointError when the ranks
 * hold no common step, a file is damaged, or it belongs to another run (naming the fields that differ; the
 * world size alone is not a difference).
 */
export async function restoreFitState(optimizer: DistributedLionOptimizer, runDir: string, options: FitStateOptions = {}): Promise<RestoredFitState | null> {
  const subject = subjectOf(optimizer, options);
  const restored = await restoreLatestIfSaved(subject, checkpointDir(runDir));
  if (restored === null) return null;
  const { path, elastic } = restored;
  const step = optimizer.synced.step;
  const { epoch, step: stepInEpoch } = subject.sampler.position(step);
  const data = subject.sampler.dataPosition?.(step) ?? null;
  if (elastic) reportElasticResume(elastic, options, optimizer.group.rank);
  return { step, epoch, stepInEpoch, data, path, elastic };
}

function reportElasticResume(restore: ElasticRestore, options: FitStateOptions, rank: number): void {
  const { globalBatchSize, localBatchSize } = options.sampler ?? {};
  const event = elasticResumeEvent(restore, globalBatchSize === undefined || localBatchSize === undefined ? null : { globalBatchSize, localBatchSize });
  options.onEvent?.(event);
  const log = options.log ?? ((line: string) => { if (rank === 0) process.stderr.write(`lion-cub: ${line}\n`); });
  log(describeElasticResume(event));
}
