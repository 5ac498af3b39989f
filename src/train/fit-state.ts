// Saving and restoring a model.fit run's whole distributed state in a run directory, for a bit-exact resume.
//
// A model file (model.save with includeOptimizer) holds one rank's momentum; under compressed strategies the
// ranks' momenta differ, so an exact resume needs every rank's. saveFitState writes each rank's parameters,
// momentum and step as the CLI's checkpoints (<runDir>/checkpoints, the same format, verification and
// pruning); restoreFitState picks the newest step every rank holds and restores it on every rank.

import { createHash } from 'node:crypto';
import { listCheckpointSteps, checkpointDir } from './checkpoint-store.js';
import { canonicalJson, trajectoryHash, type Trajectory } from './fingerprint.js';
import type { DistributedLionOptimizer } from './fit-optimizer.js';
import { restoreLatest, saveRankCheckpoint, type CheckpointSubject } from './trainer-checkpoints.js';

/** Where the data stands: the sampler that cut this run's global batches (its position() maps step → epoch). */
export interface FitStateOptions {
  /** Anything with the DistributedSampler's position(step); default: one epoch of unbounded length. */
  sampler?: { position(step: number): { epoch: number; step: number } };
}

/** A restored state: the step the next batch has, and its data position. */
export interface RestoredFitState {
  /** Optimizer steps completed: fit continues with global batch `step`. */
  step: number;
  epoch: number;
  stepInEpoch: number;
  /** This rank's checkpoint file. */
  path: string;
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
 * Restores on every rank the newest state all ranks saved in `runDir` (parameters into the model too, every
 * rank its own momentum, the step); all ranks call it together, after createFitOptimizer and before fit.
 * Resolves to null when no rank has saved anything there (a fresh run). Throws CheckpointError when the ranks
 * hold no common step, a file is damaged, or it belongs to another run (naming the fields that differ).
 */
export async function restoreFitState(optimizer: DistributedLionOptimizer, runDir: string, options: FitStateOptions = {}): Promise<RestoredFitState | null> {
  const dir = checkpointDir(runDir);
  const group = optimizer.group;
  const mine = new Int32Array([(await listCheckpointSteps(dir, group.rank)).length]);
  const counts = group.worldSize > 1 ? await group.allgather(mine) : mine;
  if (counts.every((n) => n === 0)) return null;
  const subject = subjectOf(optimizer, options);
  const { path } = await restoreLatest(subject, dir);
  const step = optimizer.synced.step;
  const { epoch, step: stepInEpoch } = subject.sampler.position(step);
  return { step, epoch, stepInEpoch, path: path! };
}
