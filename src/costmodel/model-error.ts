// How far the model is from measurements: per-point relative error and the worst case, for steps and for collectives.

import { InvalidArgumentError } from '../errors.js';
import type { CostConstants } from './constants.js';
import { predictCollective, type CollectiveCall, type EmulatedBucket } from './collective-model.js';
import type { HostLoad } from './phase-cost.js';
import type { GroupSettings } from './phases.js';
import { predictStep, type PredictStepInput } from './predict.js';

/**
 * A measured training step: what predictStep takes (without the constants and group settings, which modelError
 * supplies) plus the measured step time. Without `host`, all N ranks ran on the calibration machine's cores.
 */
export type MeasuredStep = Omit<PredictStepInput, 'constants' | 'group' | 'strategy'> & { strategy: string; stepMs: number };

/** A measured collective call (e.g. a `lion-cub bench comm` row): median time of the slowest rank. */
export interface MeasuredCollective {
  call: CollectiveCall;
  N: number;
  linkGbit: number | null;
  timeMs: number;
  host?: HostLoad;
  /** The emulated link's token bucket and the idle time before each call (absent for a real or unshaped link). */
  bucket?: EmulatedBucket;
  /** Free text carried through to the report (e.g. the command that measured it). */
  note?: string;
}

export interface PointError<T> {
  point: T;
  measuredMs: number;
  predictedMs: number;
  /** (predicted − measured) / measured. */
  relativeError: number;
  /**
   * Collective points only: 'latency' when α' makes up more than half of the prediction (a few sequential
   * messages, where this shared machine's scheduling noise is as large as the time), 'emulator-bucket' when an
   * emulated link's tbf bucket could carry a quarter or more of the bytes (the time then depends on how full the
   * bucket was, a history the benchmark does not control), else 'bandwidth'.
   */
  regime?: 'bandwidth' | 'latency' | 'emulator-bucket';
}

export interface ModelErrorReport<T> {
  points: PointError<T>[];
  /** max |relativeError| over the points (0 for no points). */
  maxAbsError: number;
  /** mean |relativeError|. */
  meanAbsError: number;
  /** Collective points: max |relativeError| and count per regime. */
  byRegime?: Partial<Record<NonNullable<PointError<T>['regime']>, { points: number; maxAbsError: number }>>;
}

function report<T>(points: PointError<T>[]): ModelErrorReport<T> {
  const abs = points.map((p) => Math.abs(p.relativeError));
  const out: ModelErrorReport<T> = {
    points,
    maxAbsError: abs.length ? Math.max(...abs) : 0,
    meanAbsError: abs.length ? abs.reduce((a, b) => a + b, 0) / abs.length : 0,
  };
  if (points.some((p) => p.regime)) {
    out.byRegime = {};
    for (const p of points) {
      if (!p.regime) continue;
      const r = (out.byRegime[p.regime] ??= { points: 0, maxAbsError: 0 });
      r.points++;
      r.maxAbsError = Math.max(r.maxAbsError, Math.abs(p.relativeError));
    }
  }
  return out;
}

function checkMeasured(ms: number, field: string): void {
  if (!(ms > 0 && Number.isFinite(ms))) throw new InvalidArgumentError(field, ms, 'a positive measured time in ms');
}

/**
 * Predicts every measured step with the same computeMs and reports the relative error of the step time.
 * Points without `host` ran all N ranks on the calibration machine: κ = N / constants.cores.
 * Throws InvalidArgumentError for a non-positive measured time or an invalid point (see predictStep).
 */
export function modelError(measured: readonly MeasuredStep[], constants: CostConstants, group?: GroupSettings): ModelErrorReport<MeasuredStep> {
  return report(measured.map((m) => {
    checkMeasured(m.stepMs, 'stepMs');
    const host = m.host ?? { ranksPerHost: m.N, cores: constants.cores };
    const predictedMs = predictStep({ ...m, constants, host, group }).stepMs;
    return { point: m, measuredMs: m.stepMs, predictedMs, relativeError: (predictedMs - m.stepMs) / m.stepMs };
  }));
}

/** The same for collective calls alone (no compute): the model's collective time against the measured one. */
export function collectiveModelError(measured: readonly MeasuredCollective[], constants: CostConstants, group?: GroupSettings): ModelErrorReport<MeasuredCollective> {
  return report(measured.map((m) => {
    checkMeasured(m.timeMs, 'timeMs');
    const host = m.host ?? { ranksPerHost: m.N, cores: constants.cores };
    const p = predictCollective(m.call, m.N, m.linkGbit, constants, host, group, m.bucket);
    const regime = p.latencyShare > 0.5 ? 'latency' : m.bucket && m.bucket.burstBytes >= 0.25 * p.wireBytes ? 'emulator-bucket' : 'bandwidth';
    return { point: m, measuredMs: m.timeMs, predictedMs: p.ms, relativeError: (p.ms - m.timeMs) / m.timeMs, regime };
  }));
}
