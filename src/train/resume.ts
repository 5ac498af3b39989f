// Choosing and checking the checkpoint a resumed run starts from, the same step on every rank.
//
// Each rank lists and verifies its own finished checkpoints; one allgather of every rank's newest KEEP_CHECKPOINTS
// steps lets all ranks pick the newest step that every rank holding checkpoints holds intact (a crash mid-save
// can leave ranks one checkpoint apart, checkpoint-store.ts; a damaged file costs one checkpoint, not the run;
// a new rank holds none). The chosen file is then compared with this run.

import type { ProcessGroup } from '../comm/process-group.js';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-errors.js';
import { chooseResumePoint, ignoringDamage, type ListedCheckpoint, type ResumePoint } from './common-checkpoint.js';
import type { CheckpointHeader, CheckpointPayload } from './checkpoint-format.js';
import { checkpointFileName, KEEP_CHECKPOINTS, listCheckpointSteps, loadCheckpoint, ranksWithCheckpoints } from './checkpoint-store.js';
import { describeDifferences, diffTrajectories, type Trajectory, type TrajectoryDifference } from './fingerprint.js';
import { diffDataPositions } from '../workloads/data-position.js';
import type { DistributedSampler } from '../workloads/sharding.js';

/**
 * The step every rank resumes from, agreed over `group` (the rule: chooseResumePoint in common-checkpoint.ts):
 * each rank verifies its kept checkpoints (checksum) and reads the world size they record, then one allgather
 * gives all ranks the same answer. A rank holding no checkpoint is new and does not block the resume; a damaged
 * file moves every rank back to an older step, and its rank reports it through `onWarning` (naming the file).
 * Throws CheckpointError checkpoint_missing when no rank holds a checkpoint or the holders have no step in
 * common, and checkpoint_corrupt when the common steps are all damaged somewhere (this rank's own error when one
 * of its files is at fault).
 */
export async function agreeOnResumePoint(group: ProcessGroup, dir: string, onWarning?: (message: string) => void): Promise<ResumePoint> {
  const point = await agreeOnResumePointIfAny(group, dir, onWarning);
  if (point !== undefined) return point;
  const others = await ranksWithCheckpoints(dir);
  const hint = others.length > 0 ? ` (there are checkpoints of ranks ${others.join(', ')} only)` : '';
  throw new CheckpointError('checkpoint_missing', dir, `--resume was given but no rank of this run (0..${group.worldSize - 1}) holds a checkpoint${hint}; drop --resume to start afresh in an empty directory`);
}

/**
 * agreeOnResumePoint in the same single allgather, except that "no rank of the group holds a checkpoint" (nothing
 * to resume) resolves to undefined instead of throwing; holders without a step in common still throw.
 */
export async function agreeOnResumePointIfAny(group: ProcessGroup, dir: string, onWarning?: (message: string) => void): Promise<ResumePoint | undefined> {
  const listed = (await listCheckpointSteps(dir, group.rank)).slice(-KEEP_CHECKPOINTS);
  const damaged = new Map<number, CheckpointError>();
  // Slots: (step, intact 0/1, recorded world size) per listed file; -1 marks an empty slot.
  const slots = new Int32Array(SLOT * KEEP_CHECKPOINTS).fill(-1);
  for (const [i, step] of listed.entries()) {
    const checked = await check(join(dir, checkpointFileName(step, group.rank)));
    if (checked.error) damaged.set(step, checked.error);
    slots.set([step, checked.error ? 0 : 1, checked.worldSize], SLOT * i);
  }
  const all = group.worldSize > 1 ? await group.allgather(slots) : slots;
  const filesByRank = Array.from({ length: group.worldSize }, (_, r): ListedCheckpoint[] => {
    const files: ListedCheckpoint[] = [];
    for (let i = 0; i < KEEP_CHECKPOINTS; i++) {
      const at = (r * KEEP_CHECKPOINTS + i) * SLOT;
      if (all[at] >= 0) files.push({ step: all[at], intact: all[at + 1] === 1, worldSize: all[at + 2] });
    }
    return files;
  });
  const point = chooseResumePoint(filesByRank);
  if (point !== undefined) {
    for (const [s, error] of damaged) {
      if (s > point.step) onWarning?.(`${error.message}; every rank resumes from step ${point.step}, the newest step all ranks holding checkpoints hold intact`);
    }
    return point;
  }
  if (filesByRank.every((files) => files.length === 0)) return undefined;
  const listing = filesByRank.map((files, r) => `rank ${r}: ${files.length ? files.map((f) => (f.intact ? `${f.step}` : `${f.step} (damaged)`)).join(', ') : 'none'}`).join('; ');
  if (chooseResumePoint(ignoringDamage(filesByRank)) === undefined) {
    throw new CheckpointError('checkpoint_missing', dir, `the ranks have no checkpoint step in common (${listing}); cannot resume consistently`);
  }
  const own = [...damaged.values()].at(-1);
  if (own) throw own;
  throw new CheckpointError('checkpoint_corrupt', dir, `no checkpoint step is intact on every rank holding checkpoints (${listing}); cannot resume consistently`);
}

/** The step of agreeOnResumePoint. */
export async function agreeOnResumeStep(group: ProcessGroup, dir: string, onWarning?: (message: string) => void): Promise<number> {
  return (await agreeOnResumePoint(group, dir, onWarning)).step;
}

/** Int32 slots per listed file in the agreement. */
const SLOT = 3;

/** A damaged file's CheckpointError (truncated, bad checksum), or the world size an intact one records. */
async function check(path: string): Promise<{ error?: CheckpointError; worldSize: number }> {
  try {
    return { worldSize: (await loadCheckpoint(path)).header.worldSize };
  } catch (error) {
    if (error instanceof CheckpointError && error.code === 'checkpoint_corrupt') return { error, worldSize: -1 };
    throw error;
  }
}

export interface ResumeExpectation {
  rank: number;
  worldSize: number;
  numParams: number;
  trajectory: Trajectory;
}

/**
 * Loads this rank's checkpoint of `step`, verifies it and checks that it belongs to this run.
 * Throws CheckpointError: checkpoint_corrupt / checkpoint_version (the file), checkpoint_mismatch naming
 * every field that differs (configuration, world size, strategy, rank), checkpoint_missing when the file is gone.
 */
export async function loadResumeCheckpoint(dir: string, step: number, expected: ResumeExpectation): Promise<{ path: string; header: CheckpointHeader } & CheckpointPayload> {
  const path = join(dir, checkpointFileName(step, expected.rank));
  let loaded;
  try {
    loaded = await loadCheckpoint(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointError('checkpoint_missing', path, 'the file disappeared while resuming', [], { cause: error });
    throw error;
  }
  checkBelongsToRun(path, loaded.header, expected);
  if (loaded.header.step !== step) throw new CheckpointError('checkpoint_corrupt', path, `the header says step ${loaded.header.step}, the file name says ${step}`);
  return { path, ...loaded };
}

/** Throws CheckpointError checkpoint_mismatch when `header` was written by another run or rank. */
export function checkBelongsToRun(path: string, header: CheckpointHeader, expected: Pick<ResumeExpectation, 'rank' | 'trajectory'>): void {
  const differences = diffTrajectories(header.trajectory, expected.trajectory);
  if (header.rank !== expected.rank) differences.unshift({ field: 'rank', theirs: header.rank, ours: expected.rank });
  throwIfWrittenByAnotherRun(path, differences);
}

/** Throws CheckpointError checkpoint_mismatch naming every field in `differences`, when there is any. */
export function throwIfWrittenByAnotherRun(path: string, differences: TrajectoryDifference[]): void {
  if (differences.length > 0) {
    throw new CheckpointError('checkpoint_mismatch', path, `written by a different run: ${describeDifferences(differences, 'the checkpoint')}`, differences);
  }
}

/**
 * Throws CheckpointError when the data position a file records is not where this run's sampler stands at the
 * file's step: checkpoint_mismatch naming `data.<field>` (other data, batch, seed or order), checkpoint_corrupt
 * when position and step disagree. Files without a position (format version 1) are placed by their step alone.
 */
export function checkDataPosition(t: { readonly sampler: Partial<Pick<DistributedSampler, 'dataPosition'>> }, path: string, header: CheckpointHeader): void {
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
