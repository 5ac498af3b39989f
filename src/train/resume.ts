// Choosing and checking the checkpoint a resumed run starts from, the same step on every rank.
//
// Each rank lists its own finished checkpoints; one allgather of every rank's newest KEEP_CHECKPOINTS steps
// lets all ranks pick the newest step that every rank holds (a crash mid-save can leave ranks one checkpoint
// apart; checkpoint-store.ts). The chosen file is then fully verified (checksum) and compared with this run.

import type { ProcessGroup } from '../comm/process-group.js';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-errors.js';
import type { CheckpointHeader, CheckpointPayload } from './checkpoint-format.js';
import { checkpointFileName, KEEP_CHECKPOINTS, listCheckpointSteps, loadCheckpoint, ranksWithCheckpoints } from './checkpoint-store.js';
import { describeDifferences, diffTrajectories, type Trajectory } from './fingerprint.js';

/** The newest step every rank has a checkpoint for. Throws CheckpointError checkpoint_missing when there is none. */
export async function agreeOnResumeStep(group: ProcessGroup, dir: string): Promise<number> {
  const mine = (await listCheckpointSteps(dir, group.rank)).slice(-KEEP_CHECKPOINTS);
  const slots = new Int32Array(KEEP_CHECKPOINTS).fill(-1);
  mine.forEach((step, i) => { slots[i] = step; });
  const all = group.worldSize > 1 ? await group.allgather(slots) : slots;
  const byRank: number[][] = [];
  for (let r = 0; r < group.worldSize; r++) byRank.push([...all.subarray(r * KEEP_CHECKPOINTS, (r + 1) * KEEP_CHECKPOINTS)].filter((s) => s >= 0));
  const common = byRank[0].filter((s) => byRank.every((steps) => steps.includes(s)));
  if (common.length > 0) return Math.max(...common);
  if (byRank.every((steps) => steps.length === 0)) {
    const others = await ranksWithCheckpoints(dir);
    const hint = others.length > 0 ? ` (there are checkpoints of ranks ${others.join(', ')}: was the run started with another number of workers?)` : '';
    throw new CheckpointError('checkpoint_missing', dir, `--resume was given but there is no checkpoint for this run's ranks 0..${group.worldSize - 1}${hint}; drop --resume to start afresh in an empty directory`);
  }
  const listing = byRank.map((steps, r) => `rank ${r}: ${steps.length ? steps.join(', ') : 'none'}`).join('; ');
  throw new CheckpointError('checkpoint_missing', dir, `the ranks have no checkpoint step in common (${listing}); cannot resume consistently`);
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
