// Restoring a checkpoint on a job whose ranks differ from those that wrote it: another world size, or ranks
// that hold no checkpoint (new nodes). The rule, the same on every rank:
//   parameters  broadcast from the lowest current rank holding its own file of the agreed step (the ranks of a
//               synchronous strategy saved identical parameters, so any holder's are the job's);
//   momentum    the mean of the momenta the old ranks saved at that step, over every old rank whose file some
//               current rank can read (its own, and in a shared directory those of old ranks ≥ the new world
//               size); when they are all equal (lion, lion-bf16: the momentum follows the averaged gradient)
//               that value, copied exactly;
//   step        the agreed step; the data position follows from it (the global batch is kept, sharding.ts).
// Every rank reports what it could read and whether its files belong to this run in one allgather before any
// data moves, so a refusal on one rank fails every rank with an error, never a hang.

import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, type CheckpointErrorCode } from './checkpoint-errors.js';
import type { CheckpointHeader } from './checkpoint-format.js';
import { checkpointFileName, loadCheckpoint } from './checkpoint-store.js';
import type { ResumePoint } from './common-checkpoint.js';
import { diffTrajectories } from './fingerprint.js';
import { checkDataPosition, throwIfWrittenByAnotherRun } from './resume.js';
import type { CheckpointSubject } from './trainer-checkpoints.js';

/** What an elastic restore did (the same on every rank except `path`). */
export interface ElasticRestore {
  step: number;
  /** World size of the job that wrote the checkpoint. */
  fromWorldSize: number;
  toWorldSize: number;
  /** This rank's own file, or null for a rank that held none. */
  path: string | null;
  /** The rank whose parameters every rank took. */
  paramsFrom: number;
  /** Current ranks that held no checkpoint of the step. */
  ranksWithoutCheckpoint: number[];
  /** Old ranks whose saved momentum went into the mean, ascending. */
  momentaFrom: number[];
  /** All those momenta were bit-identical, so every rank got that value exactly. */
  momentaIdentical: boolean;
}

const DIGEST_BYTES = 32;
/** A rank's report byte 0: 0 = usable, 1 + index of its error's code. */
const STATUS: readonly CheckpointErrorCode[] = ['checkpoint_corrupt', 'checkpoint_version', 'checkpoint_mismatch', 'checkpoint_missing', 'checkpoint_exists'];

/**
 * Restores `point` on every rank of `t.group` by the rule above; all ranks call it together. Throws
 * CheckpointError on every rank when some rank's file is damaged or belongs to another run (that rank's own
 * error names the file and fields; the others name the rank), CommError when a peer fails.
 */
export async function restoreElastic(t: CheckpointSubject, dir: string, point: ResumePoint, onWarning?: (message: string) => void): Promise<ElasticRestore> {
  const { group } = t;
  const W = point.worldSize;
  const holder = point.holders.includes(group.rank);
  const readable = await readableOldRanks(dir, point, group.worldSize, holder ? group.rank : null);
  const loaded = new Map<number, { momentum: Float32Array; params: Float32Array; path: string }>();
  const report = new Uint8Array(1 + W * DIGEST_BYTES);
  let failure: CheckpointError | undefined;
  for (const q of readable) {
    const path = join(dir, checkpointFileName(point.step, q));
    try {
      const file = await loadCheckpoint(path);
      checkFile(t, path, file.header, q, point);
      loaded.set(q, { ...file, path });
      report.set(createHash('sha256').update(new Uint8Array(file.momentum.buffer, file.momentum.byteOffset, file.momentum.byteLength)).digest(), 1 + q * DIGEST_BYTES);
    } catch (error) {
      // Another old rank's file that turns out damaged only leaves its momentum out of the mean.
      if (q !== group.rank && error instanceof CheckpointError && error.code === 'checkpoint_corrupt') { onWarning?.(`${error.message}; its momentum is left out of the mean`); continue; }
      // Anything else fails every rank, after the exchange below (throwing now would leave the others waiting in it).
      failure = error instanceof CheckpointError ? error : new CheckpointError('checkpoint_missing', path, `cannot be read: ${(error as Error).message}`, [], { cause: error });
      report[0] = 1 + STATUS.indexOf(failure.code);
      break;
    }
  }
  const reports = group.worldSize > 1 ? await group.allgather(report) : report;
  const reportOf = (r: number) => reports.subarray(r * report.length, (r + 1) * report.length);
  if (failure) throw failure;
  const failed = Array.from({ length: group.worldSize }, (_, r) => r).find((r) => reportOf(r)[0] !== 0);
  if (failed !== undefined) {
    throw new CheckpointError(STATUS[reportOf(failed)[0] - 1] ?? 'checkpoint_corrupt', dir, `rank ${failed} cannot use its checkpoint of step ${point.step} (its own error names the file); no rank resumes`);
  }

  // Old rank q's momentum comes from the lowest current rank that read it.
  const digestOf = (r: number, q: number) => reportOf(r).subarray(1 + q * DIGEST_BYTES, 1 + (q + 1) * DIGEST_BYTES);
  const assignee = Array.from({ length: W }, (_, q) => Array.from({ length: group.worldSize }, (_, r) => r).find((r) => digestOf(r, q).some((b) => b !== 0)));
  const momentaFrom = assignee.flatMap((r, q) => (r === undefined ? [] : [q]));
  const firstDigest = Buffer.from(digestOf(assignee[momentaFrom[0]]!, momentaFrom[0]));
  const momentaIdentical = momentaFrom.every((q) => firstDigest.equals(digestOf(assignee[q]!, q)));

  const root = point.holders[0];
  const own = holder ? loaded.get(group.rank)! : undefined;
  const params = own ? own.params : new Float32Array(t.synced.numParams);
  if (group.worldSize > 1) await group.broadcast(params, root);
  let momentum: Float32Array;
  if (momentaIdentical) {
    momentum = own ? own.momentum : new Float32Array(t.synced.numParams);
    if (group.worldSize > 1) await group.broadcast(momentum, root);
  } else {
    momentum = new Float32Array(t.synced.numParams);
    for (const q of momentaFrom) {
      if (assignee[q] !== group.rank) continue;
      const m = loaded.get(q)!.momentum;
      for (let i = 0; i < m.length; i++) momentum[i] += m[i];
    }
    if (group.worldSize > 1) await group.allreduce(momentum, { op: 'sum' });
    for (let i = 0; i < momentum.length; i++) momentum[i] /= momentaFrom.length;
  }
  t.synced.restore({ params, momentum, step: point.step });
  return {
    step: point.step, fromWorldSize: W, toWorldSize: group.worldSize, path: own?.path ?? null, paramsFrom: root,
    ranksWithoutCheckpoint: Array.from({ length: group.worldSize }, (_, r) => r).filter((r) => !point.holders.includes(r)),
    momentaFrom, momentaIdentical,
  };
}

/** Old ranks whose file of the step this rank reads: its own (when it holds it), and those of old ranks no current rank has. */
async function readableOldRanks(dir: string, point: ResumePoint, worldSize: number, own: number | null): Promise<number[]> {
  const ranks = own === null ? [] : [own];
  for (let q = worldSize; q < point.worldSize; q++) {
    try {
      await access(join(dir, checkpointFileName(point.step, q)));
      ranks.push(q);
    } catch {
      // Not on this machine: its momentum is left out unless another rank can read it.
    }
  }
  return ranks;
}

/** Throws CheckpointError when old rank q's file of the step is not this run's (any field but the world size). */
function checkFile(t: CheckpointSubject, path: string, header: CheckpointHeader, q: number, point: ResumePoint): void {
  const differences = diffTrajectories(header.trajectory, t.trajectory).filter((d) => d.field !== 'worldSize');
  if (header.rank !== q) differences.unshift({ field: 'rank', theirs: header.rank, ours: q });
  if (header.worldSize !== point.worldSize) differences.unshift({ field: 'worldSize', theirs: header.worldSize, ours: point.worldSize });
  throwIfWrittenByAnotherRun(path, differences);
  if (header.step !== point.step) throw new CheckpointError('checkpoint_corrupt', path, `the header says step ${header.step}, the file name says ${point.step}`);
  checkDataPosition(t, path, header);
}
