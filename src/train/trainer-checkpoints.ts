// The trainer's side of checkpoints: what a rank saves, how a resume restores it, and refusing to overwrite a run.

import type { ProcessGroup } from '../comm/process-group.js';
import type { DistributedSampler } from '../workloads/sharding.js';
import { CheckpointError } from './checkpoint-errors.js';
import { ranksWithCheckpoints, saveCheckpoint } from './checkpoint-store.js';
import type { Trajectory } from './fingerprint.js';
import type { ResumePoint } from './common-checkpoint.js';
import { restoreElastic, type ElasticRestore } from './elastic-restore.js';
import { agreeOnResumePoint, agreeOnResumePointIfAny, checkDataPosition, loadResumeCheckpoint } from './resume.js';
import type { SyncedParams } from './synced-params.js';

/** What these helpers need from a trainer. */
export interface CheckpointSubject {
  readonly group: ProcessGroup;
  readonly synced: SyncedParams;
  /** dataPosition when the run knows its data (the custom loop): recorded in checkpoints, checked on resume. */
  readonly sampler: Pick<DistributedSampler, 'position'> & Partial<Pick<DistributedSampler, 'dataPosition'>>;
  readonly trajectory: Trajectory;
  readonly trajectoryHash: string;
  readonly config: { readonly seed: number };
  /**
   * May resume on another world size or with ranks that hold no checkpoint (elastic-restore.ts): the custom loop,
   * whose sampler keeps the global batch. Otherwise only the exact resume.
   */
  readonly elastic?: boolean;
  /** Where resume reports a damaged checkpoint it stepped back from. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Saves parameters, this rank's momentum (they differ between ranks under compressed strategies) and the step,
 * then waits at a barrier: no rank starts a later step before every rank has finished this save, so a crash
 * leaves the ranks at most one checkpoint apart (which the kept previous checkpoint covers).
 */
export async function saveRankCheckpoint(t: CheckpointSubject, dir: string): Promise<{ path: string; byteLength: number }> {
  const snapshot = t.synced.snapshot();
  const { epoch, step: stepInEpoch } = t.sampler.position(snapshot.step);
  const saved = await saveCheckpoint(dir, {
    rank: t.group.rank,
    worldSize: t.group.worldSize,
    step: snapshot.step,
    epoch,
    stepInEpoch,
    seed: t.config.seed,
    ...(t.sampler.dataPosition && { data: t.sampler.dataPosition(snapshot.step) }),
    numParams: t.synced.numParams,
    strategy: t.synced.strategy.name,
    trajectory: t.trajectory,
    trajectoryHash: t.trajectoryHash,
    createdAt: new Date().toISOString(),
  }, { params: snapshot.params, momentum: snapshot.momentum });
  if (t.group.worldSize > 1) await t.group.barrier();
  return saved;
}

/** What a resume restored: this rank's file (null for a rank that held none), and the elastic rule's report if it applied. */
export interface RestoreOutcome {
  path: string | null;
  elastic: ElasticRestore | null;
}

/**
 * Restores the agreed checkpoint (agreeOnResumePoint): exactly, each rank its own file, when the world size is the
 * one that wrote it and every rank holds its file; otherwise, for an elastic subject, by the rule of
 * elastic-restore.ts. Throws CheckpointError when there is none, or when it belongs to another run (naming every
 * differing field; for a subject that is not elastic, a world size change or a rank without its file too).
 */
export async function restoreLatest(t: CheckpointSubject, dir: string): Promise<RestoreOutcome> {
  return restorePoint(t, dir, await agreeOnResumePoint(t.group, dir, t.onWarning));
}

/**
 * restoreLatest when some rank of the group holds a checkpoint; null when none does (nothing to resume: a fresh
 * run). One agreement either way; holders without a step in common still throw CheckpointError.
 */
export async function restoreLatestIfSaved(t: CheckpointSubject, dir: string): Promise<RestoreOutcome | null> {
  const point = await agreeOnResumePointIfAny(t.group, dir, t.onWarning);
  return point === undefined ? null : restorePoint(t, dir, point);
}

async function restorePoint(t: CheckpointSubject, dir: string, point: ResumePoint): Promise<RestoreOutcome> {
  const exact = point.worldSize === t.group.worldSize && point.holders.length === t.group.worldSize;
  if (exact || !t.elastic) {
    if (!point.holders.includes(t.group.rank)) {
      throw new CheckpointError('checkpoint_missing', dir, `rank ${t.group.rank} holds no checkpoint of step ${point.step} (ranks ${point.holders.join(', ')} do); this state resumes only on the ranks that saved it`);
    }
    return { path: await restoreStep(t, dir, point.step), elastic: null };
  }
  const elastic = await restoreElastic(t, dir, point, t.onWarning);
  return { path: elastic.path, elastic };
}

async function restoreStep(t: CheckpointSubject, dir: string, step: number): Promise<string> {
  const loaded = await loadResumeCheckpoint(dir, step, {
    rank: t.group.rank, worldSize: t.group.worldSize, numParams: t.synced.numParams, trajectory: t.trajectory,
  });
  checkDataPosition(t, loaded.path, loaded.header);
  t.synced.restore({ params: loaded.params, momentum: loaded.momentum, step: loaded.header.step });
  return loaded.path;
}

/**
 * After a restart: restores the agreed checkpoint like restoreLatest, or resolves to null (start from step 0)
 * when no rank holds a checkpoint or the holders have no step in common (the job failed before its first
 * complete checkpoint). A damaged or foreign checkpoint still throws. The decision comes from the agreement
 * every rank shares, so no rank starts afresh while another resumes.
 */
export async function restoreLatestIfAny(t: CheckpointSubject, dir: string): Promise<RestoreOutcome | null> {
  let point: ResumePoint;
  try {
    point = await agreeOnResumePoint(t.group, dir, t.onWarning);
  } catch (error) {
    if (error instanceof CheckpointError && error.code === 'checkpoint_missing') return null;
    throw error;
  }
  return restorePoint(t, dir, point);
}

/** Throws CheckpointError checkpoint_exists when `dir` already holds checkpoints (a fresh run would prune them). */
export async function ensureFreshOutput(dir: string): Promise<void> {
  const ranks = await ranksWithCheckpoints(dir);
  if (ranks.length > 0) {
    throw new CheckpointError('checkpoint_exists', dir, 'already holds checkpoints of a run; pass --resume (resume: true) to continue it, or choose another output directory');
  }
}
