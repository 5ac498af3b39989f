// Typed checkpoint failures: each names the file and what is wrong with it, so a resume never silently restarts.

import { LionCubError } from '../errors.js';
import type { TrajectoryDifference } from './fingerprint.js';

export type CheckpointErrorCode =
  /** Not a checkpoint, truncated, or its checksum does not match its contents. */
  | 'checkpoint_corrupt'
  /** A format version this build cannot read. */
  | 'checkpoint_version'
  /** Written by another run: configuration, world size, strategy, rank or parameter count differ. */
  | 'checkpoint_mismatch'
  /** --resume, but no checkpoint to resume from (or the ranks have none in common). */
  | 'checkpoint_missing'
  /** Not resuming, but the output directory already holds a run (it would be overwritten). */
  | 'checkpoint_exists';

export class CheckpointError extends LionCubError {
  declare readonly code: CheckpointErrorCode;
  /** The file (or directory) concerned. */
  readonly path: string;
  /** For `checkpoint_mismatch`: the differing fields. */
  readonly differences: readonly TrajectoryDifference[];

  constructor(code: CheckpointErrorCode, path: string, message: string, differences: readonly TrajectoryDifference[] = [], options?: { cause?: unknown }) {
    super(code, `${path}: ${message}`, options);
    this.path = path;
    this.differences = differences;
  }
}

