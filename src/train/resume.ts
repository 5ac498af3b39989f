// Choosing and checking the checkpoint a resumed run starts from, the same step on every rank.
//
// Each rank lists and verifies its own finished checkpoints; one allgather of every rank's newest KEEP_CHECKPOINTS
// steps lets all ranks pick the newest step that every rank holds intact (a crash mid-save can leave ranks one
// checkpoint apart, checkpoint-store.ts; a damaged file costs one checkpoint, not the run). The chosen file is
// then compared with this run.

import type { ProcessGroup } from '../comm/process-group.js';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-errors.js';
import { newestCommonStep } from './common-checkpoint.js';
import type { CheckpointHeader, CheckpointPayload } from './checkpoint-format.js';
import { checkpointFileName, KEEP_CHECKPOINTS, listCheckpointSteps, loadCheckpoint, ranksWithCheckpoints } from './checkpoint-store.js';
import { describeDifferences, diffTrajectories, type Trajectory } from './fingerprint.js';

/**
 * The newest step every rank holds intact, agreed over `group`: each rank verifies its kept checkpoints (checksum),
 * then one allgather of every rank's listed and intact steps gives all ranks the same answer. A damaged file moves
 * every rank back to an older common step; its rank reports it through `onWarning` (naming the file).
 * Throws CheckpointError checkpoint_missing when the ranks have no step in common, and checkpoint_corrupt when the
 * common steps are all damaged somewhere (this rank's own error when one of its files is at fault).
 */
export async function agreeOnResumeStep(group: ProcessGroup, dir: string, onWarning?: (message: string) => void): Promise<number> {
  const listed = (await listCheckpointSteps(dir, group.rank)).slice(-KEEP_CHECKPOINTS);
  const damaged = new Map<number, CheckpointError>();
  for (const step of listed) {
    const error = await damageOf(join(dir, checkpointFileName(step, group.rank)));
    if (error) damaged.set(step, error);
  }
  // Slots: the listed steps, then the intact ones; -1 marks an empty slot.
  const slots = new Int32Array(2 * KEEP_CHECKPOINTS).fill(-1);
  listed.forEach((step, i) => {
    slots[i] = step;
    if (!damaged.has(step)) slots[KEEP_CHECKPOINTS + i] = step;
  });
  const all = group.worldSize > 1 ? await group.allgather(slots) : slots;
  const stepsOf = (r: number, from: number): number[] => [...all.subarray(r * slots.length + from, r * slots.length + from + KEEP_CHECKPOINTS)].filter((s) => s >= 0);
  const listedByRank = Array.from({ length: group.worldSize }, (_, r) => stepsOf(r, 0));
  const intactByRank = Array.from({ length: group.worldSize }, (_, r) => stepsOf(r, KEEP_CHECKPOINTS));
  const step = newestCommonStep(intactByRank);
  if (step !== undefined) {
    for (const [s, error] of damaged) {
      if (s > step) onWarning?.(`${error.message}; every rank resumes from step ${step}, the newest step all ranks hold intact`);
    }
    return step;
  }
  if (listedByRank.every((steps) => steps.length === 0)) {
    const others = await ranksWithCheckpoints(dir);
    const hint = others.length > 0 ? ` (there are checkpoints of ranks ${others.join(', ')}: was the run started with another number of workers?)` : '';
    throw new CheckpointError('checkpoint_missing', dir, `--resume was given but there is no checkpoint for this run's ranks 0..${group.worldSize - 1}${hint}; drop --resume to start afresh in an empty directory`);
  }
  const listing = listedByRank.map((steps, r) => `rank ${r}: ${steps.length ? steps.map((s) => (intactByRank[r].includes(s) ? `${s}` : `${s} (damaged)`)).join(', ') : 'none'}`).join('; ');
  if (newestCommonStep(listedByRank) === undefined) {
    throw new CheckpointError('checkpoint_missing', dir, `the ranks have no checkpoint step in common (${listing}); cannot resume consistently`);
  }
  const own = [...damaged.values()].at(-1);
  if (own) throw own;
  throw new CheckpointError('checkpoint_corrupt', dir, `no checkpoint step is intact on every rank (${listing}); cannot resume consistently`);
}

/** The CheckpointError of a damaged file (truncated, bad checksum), or undefined when it reads back intact. */
async function damageOf(path: string): Promise<CheckpointError | undefined> {
  try {
    await loadCheckpoint(path);
    return undefined;
  } catch (error) {
    if (error instanceof CheckpointError && error.code === 'checkpoint_corrupt') return error;
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
export function checkBelongsToRun(path: string, header: CheckpointHeader, expected: ResumeExpectation): void {
  const differences = diffTrajectories(header.trajectory, expected.trajectory);
  if (header.rank !== expected.rank) differences.unshift({ field: 'rank', theirs: header.rank, ours: expected.rank });
  if (differences.length > 0) {
    throw new CheckpointError('checkpoint_mismatch', path, `written by a different run: ${describeDifferences(differences, 'the checkpoint')}`, differences);
  }
}
