// Turns one training run's rank-0 events into a StrategyRun row, and picks the median of repeated runs.

import { InvalidArgumentError } from '../../errors.js';
import type { DoneEvent, EvalEvent, StartEvent, StepEvent, TrainEvent } from '../../train/events.js';
import { median } from '../../stats.js';
import type { EvalPoint, StrategyRun, TrainCurvePoint } from './report/types.js';

/**
 * Steps left out of every per-step median: the first steps pay for TF.js kernel compilation, first-touch
 * allocations and the connections' slow start. Fewer are skipped when the run is shorter (at least one step stays).
 */
export const WARMUP_STEPS = 5;

/** Rank 0's events of one whole run, in arrival order. */
export interface RunEvents {
  start: StartEvent;
  steps: StepEvent[];
  evals: EvalEvent[];
  done: DoneEvent;
}

/** One step's parts as rank 0 measured them (ms, bytes): kept in results.json beside the medians. */
export interface StepTiming {
  step: number;
  stepMs: number;
  computeMs: number;
  encodeMs: number;
  commMs: number;
  decodeMs: number;
  bytesSent: number;
}

/** A row plus every step's timing (an extra key of results.json; the report renderer ignores it). */
export type MeasuredRun = StrategyRun & { stepTimings: StepTiming[] };

/** A row measured R times: the median run's numbers, plus the spread of stepMsMedian over the R runs. */
export type Repeated<T extends StrategyRun> = T & { repeats: number; stepMsMin: number; stepMsMax: number };
export type RepeatedRun = Repeated<MeasuredRun>;

/** Sorts a stream of events into RunEvents; throws InvalidArgumentError when the start or done event is missing. */
export function collectRunEvents(events: readonly TrainEvent[]): RunEvents {
  const start = events.find((e): e is StartEvent => e.type === 'start');
  const done = events.find((e): e is DoneEvent => e.type === 'done');
  if (!start || !done) throw new InvalidArgumentError('events', `${events.length} events`, 'a whole run: a start event, steps and a done event');
  return {
    start,
    done,
    steps: events.filter((e): e is StepEvent => e.type === 'step'),
    evals: events.filter((e): e is EvalEvent => e.type === 'eval'),
  };
}

/** Steps actually skipped for a run of `stepCount` steps. */
export function warmupSkipped(stepCount: number, warmupSteps = WARMUP_STEPS): number {
  return Math.max(0, Math.min(warmupSteps, stepCount - 1));
}

/**
 * E[max of n independent draws] from the empirical distribution of `samples`: with x_(1) ≤ … ≤ x_(m),
 * Σ_i x_(i)·((i/m)^n − ((i−1)/m)^n). n = 1 gives the mean. Throws InvalidArgumentError for no samples.
 */
export function expectedMaximum(samples: readonly number[], n: number): number {
  if (samples.length === 0) throw new InvalidArgumentError('samples', samples, 'at least one sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const m = sorted.length;
  let sum = 0;
  for (let i = 1; i <= m; i++) sum += sorted[i - 1] * ((i / m) ** n - ((i - 1) / m) ** n);
  return sum;
}

/**
 * The row of one run, speedups and prediction left null (speedup.ts fills them across runs).
 *
 * Times are medians over the steps after warm-up, in ms per step; codecMs = encodeMs + decodeMs (of the medians).
 * bytesSentPerStep is rank 0's mean over those steps (frame headers included): every rank of the ring and vote
 * collectives sends the same amount, so rank 0 stands for the maximum. Wall-clock positions of curve and eval points
 * are cumulative TRAINING time (the sum of stepMs up to and including that step), so evaluation pauses do not count
 * against a strategy. finalLoss is the last step's training loss, finalMetric the final full-test-set accuracy.
 */
export function summariseRun(
  events: RunEvents, link: { rate: string; linkGbit: number | null }, warmupSteps = WARMUP_STEPS, stepsByRank?: readonly StepEvent[][],
): MeasuredRun {
  const { start, steps, evals, done } = events;
  if (steps.length === 0) throw new InvalidArgumentError('events', 'no step events', 'at least one training step');
  const timed = steps.slice(warmupSkipped(steps.length, warmupSteps));
  const med = (pick: (s: StepEvent) => number): number => median(timed.map(pick));
  // Each rank's median compute, when every rank reported its steps.
  const perRank = stepsByRank ?? [steps];
  const perRankMedian = (pick: (s: StepEvent) => number): number[] | undefined => (perRank.every((r) => r.length > 0)
    ? perRank.map((r) => median(r.slice(warmupSkipped(r.length, warmupSteps)).map(pick)))
    : undefined);
  const computeMsPerRank = perRankMedian((s) => s.computeMs);
  // CPU time per step, beside wall time: on a loaded machine it shows the work a rank did, not its wait for a core.
  const computeCpuMsPerRank = perRankMedian((s) => s.computeCpuMs);
  const stepCpuMsPerRank = perRankMedian((s) => s.stepCpuMs);
  // What the rest of the step spends: the batch, the strategy (codec, communication, Lion update), and what is left.
  const dataCpuMsPerRank = perRankMedian((s) => s.dataCpuMs);
  const syncCpuMsPerRank = perRankMedian((s) => s.syncCpuMs);
  const otherCpuMsPerRank = perRankMedian((s) => s.stepCpuMs - s.computeCpuMs - s.dataCpuMs - s.syncCpuMs);
  const encodeMs = med((s) => s.sync.encodeMs);
  const decodeMs = med((s) => s.sync.decodeMs);

  const curve: TrainCurvePoint[] = [];
  const wallAtStep = new Map<number, number>();
  let elapsedMs = 0;
  for (const s of steps) {
    elapsedMs += s.stepMs;
    wallAtStep.set(s.step, elapsedMs / 1000);
    curve.push({ step: s.step, wallSeconds: elapsedMs / 1000, loss: s.loss });
  }
  const byStep = new Map<number, EvalEvent>();
  for (const e of [...evals, done.finalEval]) byStep.set(e.step, e);
  const evalPoints: EvalPoint[] = [...byStep.values()]
    .sort((a, b) => a.step - b.step)
    .map((e) => ({ step: e.step, wallSeconds: wallAtStep.get(e.step) ?? elapsedMs / 1000, loss: e.loss, accuracy: e.accuracy }));

  return {
    sync: start.strategy,
    rate: link.rate,
    linkGbit: link.linkGbit,
    stepMsMedian: med((s) => s.stepMs),
    computeMs: med((s) => s.computeMs),
    computeMsSlowest: expectedMaximum(timed.map((s) => s.computeMs), start.worldSize),
    ...(computeMsPerRank ? { computeMsPerRank } : {}),
    ...(computeCpuMsPerRank && stepCpuMsPerRank ? { computeCpuMsPerRank, stepCpuMsPerRank } : {}),
    ...(dataCpuMsPerRank && syncCpuMsPerRank && otherCpuMsPerRank ? { dataCpuMsPerRank, syncCpuMsPerRank, otherCpuMsPerRank } : {}),
    encodeMs,
    commMs: med((s) => s.sync.commMs),
    decodeMs,
    codecMs: encodeMs + decodeMs,
    bytesSentPerStep: timed.reduce((sum, s) => sum + s.sync.bytesSent, 0) / timed.length,
    numParams: start.numParams,
    finalLoss: steps[steps.length - 1].loss,
    finalMetric: done.finalEval.accuracy,
    speedupVsLion: null,
    speedupVsBf16: null,
    timeToTargetSeconds: null,
    speedupToTargetVsLion: null,
    predictedStepMs: null,
    curve,
    evals: evalPoints,
    stepTimings: steps.map((s) => ({
      step: s.step, stepMs: s.stepMs, computeMs: s.computeMs, encodeMs: s.sync.encodeMs, commMs: s.sync.commMs, decodeMs: s.sync.decodeMs, bytesSent: s.sync.bytesSent,
    })),
  };
}

/**
 * The run whose stepMsMedian is the median of `runs` (the lower middle one for an even count), with the
 * minimum and maximum stepMsMedian over all of them. Throws InvalidArgumentError for an empty list.
 */
export function medianRun<T extends StrategyRun>(runs: readonly T[]): Repeated<T> {
  if (runs.length === 0) throw new InvalidArgumentError('runs', 0, 'at least one run to take the median of');
  const sorted = [...runs].sort((a, b) => a.stepMsMedian - b.stepMsMedian);
  const chosen = sorted[(sorted.length - 1) >> 1];
  return { ...chosen, repeats: runs.length, stepMsMin: sorted[0].stepMsMedian, stepMsMax: sorted[sorted.length - 1].stepMsMedian };
}
