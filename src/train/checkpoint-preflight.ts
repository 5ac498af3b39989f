// Checks of a training run that need the output directory, run by `lion-cub train` before any worker starts.
//
// Workers check again, fully (checksums, the strategy's canonical name, the parameter count): this early pass
// reads only checkpoint headers so that the common mistakes (no --resume into a used directory, resuming with
// other settings) are reported in a second, not after N workers have started. Another number of workers is an
// elastic resume, not a mistake: the resume point is chosen by the workers' rule (common-checkpoint.ts).

import { join } from 'node:path';
import { CheckpointError } from './checkpoint-errors.js';
import type { CheckpointHeader } from './checkpoint-format.js';
import { chooseResumePoint, ignoringDamage, type ListedCheckpoint } from './common-checkpoint.js';
import { checkpointDir, checkpointFileName, KEEP_CHECKPOINTS, listCheckpointSteps, ranksWithCheckpoints, readCheckpointHeader } from './checkpoint-store.js';
import type { TrainConfig } from './config.js';
import { trajectoryOf } from './fingerprint.js';
import { checkBelongsToRun } from './resume.js';

/**
 * Throws CheckpointError: checkpoint_exists (not resuming into a directory with checkpoints), checkpoint_missing
 * (resuming with no checkpoint step that every rank of 0..worldSize−1 holding checkpoints has; a step whose
 * header is damaged on some rank does not count), checkpoint_mismatch (a header from another configuration; the
 * world size may differ), checkpoint_corrupt (no common step with readable headers), checkpoint_version.
 */
export async function preflightCheckpoints(config: TrainConfig, outDir: string | null, resume: boolean, worldSize: number): Promise<void> {
  if (outDir === null) return;
  const dir = checkpointDir(outDir);
  if (!resume) {
    if ((await ranksWithCheckpoints(dir)).length > 0) {
      throw new CheckpointError('checkpoint_exists', dir, 'already holds checkpoints of a run; pass --resume to continue it, or choose another --out');
    }
    return;
  }
  const listed: ListedCheckpoint[][] = [];
  const headers = new Map<string, CheckpointHeader>();
  let damaged: CheckpointError | undefined;
  for (let r = 0; r < worldSize; r++) {
    listed.push([]);
    for (const step of (await listCheckpointSteps(dir, r)).slice(-KEEP_CHECKPOINTS)) {
      const path = join(dir, checkpointFileName(step, r));
      try {
        const header = await readCheckpointHeader(path);
        headers.set(path, header);
        listed[r].push({ step, intact: true, worldSize: header.worldSize });
      } catch (error) {
        // A damaged file is the workers' to step back from (resume.ts); it only fails here when nothing else is left.
        if (!(error instanceof CheckpointError && error.code === 'checkpoint_corrupt')) throw error;
        damaged ??= error;
        listed[r].push({ step, intact: false, worldSize: -1 });
      }
    }
  }
  const point = chooseResumePoint(listed);
  if (point === undefined) {
    if (chooseResumePoint(ignoringDamage(listed)) !== undefined) throw damaged!;
    const found = await ranksWithCheckpoints(dir);
    const detail = found.length === 0 ? 'no checkpoints at all' : `checkpoints of ranks ${found.join(', ')} without a step that ranks 0..${worldSize - 1} holding checkpoints have in common`;
    throw new CheckpointError('checkpoint_missing', dir, `--resume needs a checkpoint step that every rank holding checkpoints has; found ${detail}`);
  }
  for (const rank of point.holders) {
    const path = join(dir, checkpointFileName(point.step, rank));
    const header = headers.get(path)!;
    // Fields only a worker knows (parameter count, the strategy's canonical spec with its defaults filled in, a
    // schedule length in epochs) are taken from the file; a different strategy NAME is still caught here. The
    // world size may differ: that is an elastic resume (elastic-restore.ts).
    const theirSync = String(header.trajectory.sync);
    const expected = trajectoryOf({
      config, worldSize: point.worldSize, numParams: header.numParams, strategy: specName(theirSync) === specName(config.sync) ? theirSync : config.sync,
      totalSteps: config.steps ?? Number(header.trajectory.scheduleSteps),
    });
    checkBelongsToRun(path, header, { rank, trajectory: expected });
  }
}

function specName(spec: string): string {
  return spec.split(':')[0].trim();
}
