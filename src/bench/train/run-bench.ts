// The benchmark loop: every strategy at every link rate (R times each), summarised into a BenchTrainReport.

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machineInfo } from '../harness.js';
import type { TrainEvent } from '../../train/events.js';
import { collectRunEvents, medianRun, summariseRun, type MeasuredRun, type RepeatedRun } from './aggregate.js';
import type { BenchTrainPlan } from './plan.js';
import type { BenchTrainReport, StrategyRun } from './report/types.js';
import { runTrainJob, type TrainRunOptions, type TrainRunResult } from './run-one.js';
import { applySpeedups } from './speedup.js';
import { applyPairedVsLion, summariseSeeds } from './seeds.js';

export interface BenchTrainProgress {
  sync: string;
  rate: string;
  /** 1-based repetition of this (strategy, rate, seed). */
  repetition: number;
  /** The run's seed, with several seeds only. */
  seed?: number;
  /** The finished run's row (after it ends), or undefined when it starts. */
  run?: StrategyRun;
}

export interface RunBenchOptions {
  signal?: AbortSignal;
  /** The command line, stored in the report. */
  command: string;
  onProgress?: (progress: BenchTrainProgress) => void;
  onLog?: TrainRunOptions['onLog'];
  /** Rank 0's training events of the run in progress. */
  onTrainEvent?: (event: TrainEvent, progress: Omit<BenchTrainProgress, 'run'>) => void;
  /** Runs one job; default runTrainJob (tests substitute it). */
  runJob?: (options: TrainRunOptions) => Promise<TrainRunResult>;
  /** Called after each (strategy, rate) is finished with the report so far (e.g. to save it before the next run). */
  onPartial?: (report: BenchTrainReport) => Promise<void> | void;
  /** Write V8 CPU profiles of every rank under this directory, one subdirectory `<sync>-<rate>[-seed<S>]-<repetition>` per run. */
  cpuProfileDir?: string;
  /** Fills predictedStepMs of a row (the cost model); rows keep null without it. */
  predict?: (run: StrategyRun, plan: BenchTrainPlan) => number | null;
}

export interface BenchTrainOutcome {
  /** Every (strategy, rate) finished before the end or the failure, speedups applied among them. */
  report: BenchTrainReport;
  runs: RepeatedRun[];
  /** What stopped the benchmark early, or null when every run finished. */
  failure: { sync: string; rate: string; interrupted: boolean; message: string } | null;
}

/**
 * Runs the plan rate by rate (so a rate's baselines and strategies run back to back under similar machine load),
 * each strategy once per seed and `plan.repeat` times per seed (combineSeeds makes the row). Stops at the first
 * failed or aborted run and returns what finished, with the failure named; never throws for a failed run.
 */
export async function runBenchTrain(plan: BenchTrainPlan, options: RunBenchOptions): Promise<BenchTrainOutcome> {
  const runJob = options.runJob ?? runTrainJob;
  const createdAt = new Date().toISOString();
  const finished: RepeatedRun[] = [];
  let failure: BenchTrainOutcome['failure'] = null;
  const manySeeds = plan.seeds.length > 1;
  outer: for (const rate of plan.rates) {
    for (let i = 0; i < plan.syncs.length; i++) {
      const sync = plan.syncs[i];
      const bySeed: MeasuredRun[][] = [];
      for (const seed of plan.seeds) {
        const repetitions: MeasuredRun[] = [];
        for (let repetition = 1; repetition <= plan.repeat; repetition++) {
          const current: Omit<BenchTrainProgress, 'run'> = { sync, rate, repetition, ...(manySeeds ? { seed } : {}) };
          options.onProgress?.(current);
          const onEvent = options.onTrainEvent && ((event: TrainEvent) => options.onTrainEvent!(event, current));
          const runName = `${sync.replace(/[^\w.=-]+/g, '_')}-${rate}${manySeeds ? `-seed${seed}` : ''}-${repetition}`;
          const cpuProfileDir = options.cpuProfileDir === undefined ? undefined : join(options.cpuProfileDir, runName);
          const config = { ...plan.configs[i], seed };
          const result = await runJob({ config, nproc: plan.nproc, rate, transportSecurity: plan.transportSecurity, heartbeatTimeoutMs: plan.heartbeatTimeoutMs, signal: options.signal, onLog: options.onLog, onEvent, cpuProfileDir });
          if (!result.ok) {
            failure = { sync, rate, interrupted: result.interrupted, message: result.message };
            break outer;
          }
          const run = summariseRun(collectRunEvents(result.events), { rate, linkGbit: result.linkGbit }, undefined, result.stepsByRank);
          repetitions.push(run);
          options.onProgress?.({ ...current, run });
        }
        bySeed.push(repetitions);
      }
      const chosen = combineSeeds(plan.seeds, bySeed);
      finished.push({ ...chosen, predictedStepMs: options.predict?.(chosen, plan) ?? null });
      await options.onPartial?.(buildReport(plan, withComparisons(finished), createdAt, options.command));
    }
  }
  const runs = withComparisons(finished);
  return { report: buildReport(plan, runs, createdAt, options.command), runs, failure };
}

/**
 * One row from every seed's repetitions: step times from the median run over all of them (more runs, a steadier
 * median), final loss and metric, curves and evaluations from the first seed's median run (so every strategy's
 * time to lion's final metric compares the same seed), and with several seeds every seed's outcome (overSeeds).
 * The training is deterministic per seed, so a seed's repetitions differ only in time.
 */
export function combineSeeds(seeds: readonly number[], bySeed: readonly MeasuredRun[][]): RepeatedRun {
  const timing = medianRun(bySeed.flat());
  if (seeds.length === 1) return timing;
  const first = medianRun(bySeed[0]);
  const overSeeds = summariseSeeds(bySeed.map((runs, k) => ({ seed: seeds[k], finalLoss: runs[0].finalLoss, finalMetric: runs[0].finalMetric })));
  return { ...timing, finalLoss: first.finalLoss, finalMetric: first.finalMetric, curve: first.curve, evals: first.evals, overSeeds };
}

function withComparisons(runs: readonly RepeatedRun[]): RepeatedRun[] {
  return applyPairedVsLion(applySpeedups(runs));
}

function buildReport(plan: BenchTrainPlan, runs: StrategyRun[], createdAt: string, command: string): BenchTrainReport {
  return {
    workload: plan.workload,
    nproc: plan.nproc,
    steps: plan.steps,
    seed: plan.seed,
    ...(plan.seeds.length > 1 ? { seeds: plan.seeds } : {}),
    transportSecurity: plan.transportSecurity,
    // The machine is shared: the load at the start explains slow compute better than the strategy does.
    machine: { ...machineInfo(), loadAverage1m: Math.round(loadavg()[0] * 100) / 100 },
    createdAt,
    command,
    runs,
  };
}
