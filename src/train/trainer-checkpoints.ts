// The trainer's side of checkpoints: what a rank saves, how a resume restores it, and refusing to overwrite a run.

import type { ProcessGroup } from '../comm/process-group.js';
import type { DistributedSampler } from '../workloads/sharding.js';
import { diffDataPositions } from '../workloads/data-position.js';
import { CheckpointError } from './checkpoint-errors.js';
import type { CheckpointHeader } from './checkpoint-format.js';
import { ranksWithCheckpoints, saveCheckpoint } from './checkpoint-store.js';
import { describeDifferences, type Trajectory } from './fingerprint.js';
import { agreeOnResumeStep, loadResumeCheckpoint } from './resume.js';
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

/**
 * Restores the newest checkpoint every rank holds intact; resolves to its path. Throws CheckpointError when there
 * is none, or when it belongs to another run (naming every differing field).
 */
export async function restoreLatest(t: CheckpointSubject, dir: string): Promise<string> {
  return restoreStep(t, dir, await agreeOnResumeStep(t.group, dir, t.onWarning));
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
 * Throws CheckpointError when the data position a file records is not where this run's sampler stands at the
 * file's step: checkpoint_mismatch naming `data.<field>` (other data, batch, seed or order), checkpoint_corrupt
 * when position and step disagree. Files without a position (format version 1) are placed by their step alone.
 */
export function checkDataPosition(t: Pick<CheckpointSubject, 'sampler'>, path: string, header: CheckpointHeader): void {
  if (!header.data || !t.sampler.dataPosition) return;
  const ours = t.sampler.dataPosition(header.step);
  const differences = diffDataPositions(header.data, ours);
  if (differences.length > 0) {
    throw new CheckpointError('checkpoint_mismatch', path, `written by a run that read other data: ${describeDifferences(differences, 'the checkpoint')}`, differences);
  }
  if (header.data.epoch !== ours.epoch || header.data.examplesConsumed !== ours.examplesConsumed) {
    throw new CheckpointError('checkpoint_corrupt', path, `the header says step ${header.step} (epoch ${ours.epoch}, ${ours.examplesConsumed} examples in), its data position says epoch ${header.data.epoch}, ${header.data.examplesConsumed} examples in`);
  }
}

/**
 * After a restart: restores the newest checkpoint every rank holds intact like restoreLatest, or resolves to null
 * (start from step 0) when the ranks hold no checkpoint step in common (the job failed before its first complete
 * checkpoint). A damaged or foreign checkpoint still throws. The decision comes from the agreement every rank
 * shares, so no rank starts afresh while another resumes.
 */
export async function restoreLatestIfAny(t: CheckpointSubject, dir: string): Promise<string | null> {
  let step: number;
  try {
    step = await agreeOnResumeStep(t.group, dir, t.onWarning);
  } catch (error) {
    if (error instanceof CheckpointError && error.code === 'checkpoint_missing') return null;
    throw error;
  }
  return restoreStep(t, dir, step);
}

/** Throws CheckpointError checkpoint_exists when `dir` already holds checkpoints (a fresh run would prune them). */
export async function ensureFreshOutput(dir: string): Promise<void> {
  const ranks = await ranksWithCheckpoints(dir);
  if (ranks.length > 0) {
    throw new CheckpointError('checkpoint_exists', dir, 'already holds checkpoints of a run; pass --resume (resume: true) to continue it, or choose another output directory');
  }
}
