// Flattens a BenchTrainReport into the row tables the charts plot (one row per mark, plain JSON values).

import { rateLabel } from './palette.js';
import type { StrategyRun, TrainCurvePoint } from './types.js';
import { median } from '../../../stats.js';

/** Most points drawn per curve: beyond this an SVG grows without showing more (a panel is ~320 px wide). */
export const MAX_CURVE_POINTS = 400;

/** `smoothLoss`: centred mean of the loss over smoothingWindow(steps) steps. */
export interface CurveRow { strategy: string; link: string; step: number; wallSeconds: number; loss: number; smoothLoss: number }
export interface EvalRow { strategy: string; link: string; step: number; wallSeconds: number; accuracy: number }
export interface PhaseRow { strategy: string; link: string; phase: Phase; order: number; ms: number }
export interface StepTotalRow { strategy: string; link: string; stepMs: number }
export interface BytesRow { strategy: string; bytesPerParam: number; runs: number }
export interface SpeedupRow { strategy: string; link: string; measure: SpeedupMeasure; speedup: number }
export interface ModelRow { strategy: string; link: string; measuredMs: number; predictedMs: number }

export const PHASES = ['compute', 'encode', 'comm', 'decode', 'other'] as const;
export type Phase = (typeof PHASES)[number];
export const SPEEDUP_MEASURES = ['per step vs lion', 'per step vs lion-bf16', 'time to target vs lion'] as const;
export type SpeedupMeasure = (typeof SPEEDUP_MEASURES)[number];

/**
 * Reduces `points` to at most `maxPoints` by averaging consecutive buckets of equal size (every field alike).
 * Averaging rather than striding keeps the trend of a noisy minibatch loss and drops no outlier silently.
 */
export function thinCurve<T extends TrainCurvePoint>(points: readonly T[], maxPoints = MAX_CURVE_POINTS): T[] {
  if (points.length <= maxPoints) return points.slice();
  const bucket = Math.ceil(points.length / maxPoints);
  const keys = Object.keys(points[0]) as Array<keyof T>;
  const out: T[] = [];
  for (let start = 0; start < points.length; start += bucket) {
    const slice = points.slice(start, start + bucket);
    const mean = {} as T;
    for (const k of keys) (mean[k] as number) = slice.reduce((sum, p) => sum + (p[k] as number), 0) / slice.length;
    out.push(mean);
  }
  return out;
}

/** Window of the smoothed loss: about a tenth of the run (odd, at most 201 steps), to follow the trend, not the noise. */
export function smoothingWindow(length: number): number {
  return Math.max(1, Math.min(201, 2 * Math.round(length / 20) + 1));
}

/**
 * Centred moving mean of `values` over `window` (odd) entries, cut off at the ends (the first value averages itself
 * and the half window after it). Centred, not trailing: a trailing mean lags by half a window, which on a time axis
 * would penalise slow strategies more than fast ones. Cut off rather than shrunk symmetrically: a symmetric window
 * would end the curve on one raw, noisy step.
 */
export function centredMean(values: readonly number[], window: number): number[] {
  const half = Math.floor(window / 2);
  const prefix = [0];
  for (const v of values) prefix.push(prefix[prefix.length - 1] + v);
  return values.map((_, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(values.length - 1, i + half);
    return (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1);
  });
}

export function curveRows(runs: readonly StrategyRun[], maxPoints = MAX_CURVE_POINTS): CurveRow[] {
  return runs.flatMap((r) => {
    const smooth = centredMean(r.curve.map((p) => p.loss), smoothingWindow(r.curve.length));
    const points = r.curve.map((p, i) => ({ step: p.step, wallSeconds: p.wallSeconds, loss: p.loss, smoothLoss: smooth[i] }));
    return thinCurve(points, maxPoints).map((p) => ({ strategy: r.sync, link: rateLabel(r.rate), ...p }));
  });
}

export function evalRows(runs: readonly StrategyRun[]): EvalRow[] {
  return runs.flatMap((r) =>
    r.evals.map((e) => ({ strategy: r.sync, link: rateLabel(r.rate), step: e.step, wallSeconds: e.wallSeconds, accuracy: e.accuracy })),
  );
}

/**
 * The step split into compute, encode, comm, decode and `other` = stepMsMedian − their sum (loop overhead, data
 * loading, waiting that no phase timed). Phase medians need not add up to the median step, so `other` is clamped at 0.
 */
export function phaseRows(runs: readonly StrategyRun[]): PhaseRow[] {
  return runs.flatMap((r) => {
    const timed = r.computeMs + r.encodeMs + r.commMs + r.decodeMs;
    const ms: Record<Phase, number> = { compute: r.computeMs, encode: r.encodeMs, comm: r.commMs, decode: r.decodeMs, other: Math.max(0, r.stepMsMedian - timed) };
    return PHASES.map((phase, order) => ({ strategy: r.sync, link: rateLabel(r.rate), phase, order, ms: ms[phase] }));
  });
}

export function stepTotalRows(runs: readonly StrategyRun[]): StepTotalRow[] {
  return runs.map((r) => ({ strategy: r.sync, link: rateLabel(r.rate), stepMs: Math.max(r.stepMsMedian, r.computeMs + r.encodeMs + r.commMs + r.decodeMs) }));
}

/** Bytes one rank sends per parameter per step, the median over a strategy's runs (link rate does not change what is sent). */
export function bytesRows(runs: readonly StrategyRun[]): BytesRow[] {
  const byStrategy = new Map<string, number[]>();
  for (const r of runs) {
    if (!(r.numParams > 0)) continue;
    const list = byStrategy.get(r.sync) ?? [];
    list.push(r.bytesSentPerStep / r.numParams);
    byStrategy.set(r.sync, list);
  }
  return [...byStrategy].map(([strategy, values]) => ({ strategy, bytesPerParam: median(values), runs: values.length }));
}

export function speedupRows(runs: readonly StrategyRun[]): SpeedupRow[] {
  const rows: SpeedupRow[] = [];
  for (const r of runs) {
    const link = rateLabel(r.rate);
    const values: Array<[SpeedupMeasure, number | null]> = [
      ['per step vs lion', r.speedupVsLion],
      ['per step vs lion-bf16', r.speedupVsBf16],
      ['time to target vs lion', r.speedupToTargetVsLion],
    ];
    for (const [measure, speedup] of values) if (speedup !== null && speedup > 0) rows.push({ strategy: r.sync, link, measure, speedup });
  }
  return rows;
}

export function modelRows(runs: readonly StrategyRun[]): ModelRow[] {
  return runs
    .filter((r) => r.predictedStepMs !== null && r.predictedStepMs > 0 && r.stepMsMedian > 0)
    .map((r) => ({ strategy: r.sync, link: rateLabel(r.rate), measuredMs: r.stepMsMedian, predictedMs: r.predictedStepMs as number }));
}

