// The cost model's view of a benchmark row: predicted step time from calibrated constants, and the model's error.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { CostConstants } from '../../costmodel/constants.js';
import { parseConstants } from '../../costmodel/constants-file.js';
import { defaultConstantsPath } from '../../costmodel/constants-path.js';
import { modelError } from '../../costmodel/model-error.js';
import { predictStep } from '../../costmodel/predict.js';
import { parseRate } from '../../netem/rate.js';
import type { BenchTrainReport, StrategyRun } from './report/types.js';
import { UNSHAPED } from './plan.js';

/**
 * The calibrated constants (`lion-cub calibrate` output at defaultConstantsPath), or null when there is no such file:
 * rows then keep predictedStepMs null. A file that exists but does not parse throws (ConstantsFileError).
 */
export function loadCalibratedConstants(env: Readonly<Record<string, string | undefined>> = process.env): CostConstants | null {
  let text: string;
  const path = defaultConstantsPath(env, homedir());
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return parseConstants(text, path);
}

/** Nominal rate in Gbit/s (10^9 bit/s) of a --netem item, null for unshaped loopback. */
function nominalGbit(rate: string): number | null {
  return rate === UNSHAPED ? null : parseRate(rate, '--netem') / 1e9;
}

/**
 * The compute a step of `run` waits for: its slowest rank's (computeMsSlowest) when the strategy communicates,
 * the rank's own median for noop (ranks never wait for each other) and for a single rank.
 */
export function pricedComputeMs(run: StrategyRun, nproc: number): number {
  return run.sync === 'noop' || nproc === 1 ? run.computeMs : run.computeMsSlowest;
}

/**
 * predictStep for a measured row: same strategy, d, N and nominal link, the measured compute (pricedComputeMs), all N
 * ranks on this machine's cores (κ = N / constants.cores). Null when the model cannot price the strategy (it throws
 * for those).
 */
export function predictRow(run: StrategyRun, nproc: number, constants: CostConstants): number | null {
  try {
    return predictStep({
      strategy: run.sync, numParams: run.numParams, N: nproc, linkGbit: nominalGbit(run.rate), computeMs: pricedComputeMs(run, nproc),
      constants, host: { ranksPerHost: nproc, cores: constants.cores },
    }).stepMs;
  } catch {
    return null;
  }
}

/** modelError over the rows that have a prediction: max |pred − meas| / meas, or undefined when none has one. */
export function reportModelError(report: BenchTrainReport, constants: CostConstants): BenchTrainReport['modelError'] {
  const points = report.runs.filter((r) => r.predictedStepMs !== null && predictRow(r, report.nproc, constants) !== null);
  if (points.length === 0) return undefined;
  const result = modelError(points.map((r) => ({
    strategy: r.sync, numParams: r.numParams, N: report.nproc, linkGbit: nominalGbit(r.rate), stepMs: r.stepMsMedian, computeMs: pricedComputeMs(r, report.nproc),
  })), constants);
  return { maxAbsRelError: result.maxAbsError, points: points.length };
}
