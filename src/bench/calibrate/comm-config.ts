// What the calibration's communication workers measure, and how rank 0 reports it (a tagged stdout line).

import type { LaunchMeasurement } from '../../costmodel/calibration-fit.js';
import { siblingScriptUrl, taggedJsonLine } from '../../launch/worker-channel.js';

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

const resultLines = taggedJsonLine<CommCalibrationResult>('@lion-cub-calibrate ');
export const encodeResult = resultLines.encode;
/** The result carried by a worker output line, or undefined for any other line. */
export const decodeResult = resultLines.decode;

/** Path of the worker entry point beside this module (.ts under tsx, .js when compiled). */
export function commWorkerUrl(): URL {
  return siblingScriptUrl('comm-worker', import.meta.url);
}
