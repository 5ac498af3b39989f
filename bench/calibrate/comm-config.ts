// What the calibration's communication workers measure, and how rank 0 reports it (a tagged stdout line).

import type { LaunchMeasurement } from '../../src/model/calibration-fit.js';

/** One launch's measurement plan; every rank gets the same one. */
export interface CommCalibrationConfig {
  /** ProcessGroupOptions.chunkBytes for this launch. */
  chunkBytes: number;
  /** Timed calls of the one-float allreduce that measures α. */
  latencyIters: number;
  /** float32 allgather output sizes S (bytes) to time: host cost per byte and per message. */
  allgatherBytes: number[];
  /** float32 allreduce size S (bytes) to time (busbw through the link); 0 to skip. */
  allreduceBytes: number;
  /** Timed iterations of each large call, after `warmup` untimed ones. */
  iters: number;
  warmup: number;
  timeoutMs: number;
}

/** What rank 0 reports for one launch (the shape the fit reads). */
export type CommCalibrationResult = LaunchMeasurement;

export const RESULT_PREFIX = '@lion-cub-calibrate ';

export function encodeResult(result: CommCalibrationResult): string {
  return `${RESULT_PREFIX}${JSON.stringify(result)}`;
}

/** The result carried by a worker output line, or undefined for any other line. */
export function decodeResult(line: string): CommCalibrationResult | undefined {
  if (!line.startsWith(RESULT_PREFIX)) return undefined;
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as CommCalibrationResult;
}

/** Path of the worker entry point beside this module (.ts under tsx, .js when compiled). */
export function commWorkerUrl(): URL {
  return new URL(`./comm-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}
