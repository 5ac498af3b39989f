// Speedups of every run against the lion and lion-bf16 runs at the same link rate: per step and to a target metric.

import type { StrategyRun } from './report/types.js';

/** The strategy name of a spec (`cub-pbit:bits=4` → `cub-pbit`). */
export function specName(spec: string): string {
  return spec.split(':')[0].trim();
}

/**
 * Wall seconds of the first evaluation whose accuracy is at least `target`, or null when none is. Eval points carry
 * cumulative training time (aggregate.ts), so this is time-to-accuracy at the granularity of --eval-every.
 */
export function timeToTarget(run: Pick<StrategyRun, 'evals'>, target: number): number | null {
  for (const e of run.evals) if (e.accuracy >= target) return e.wallSeconds;
  return null;
}

/**
 * Fills speedupVsLion = lion.stepMsMedian / run.stepMsMedian, speedupVsBf16 likewise with lion-bf16,
 * timeToTargetSeconds (target: the final test metric of lion at the same rate) and
 * speedupToTargetVsLion = lion's time to that target / this run's. A field stays null when its baseline did not run
 * at that rate or the target was never reached. Returns new objects; the input is not modified.
 */
export function applySpeedups<T extends StrategyRun>(runs: readonly T[]): T[] {
  const baseline = (rate: string, name: string): T | undefined => runs.find((r) => r.rate === rate && specName(r.sync) === name);
  return runs.map((run) => {
    const lion = baseline(run.rate, 'lion');
    const bf16 = baseline(run.rate, 'lion-bf16');
    const ratio = (base: T | undefined): number | null => (base && run.stepMsMedian > 0 ? base.stepMsMedian / run.stepMsMedian : null);
    const target = lion?.finalMetric;
    const reached = target === undefined ? null : timeToTarget(run, target);
    const lionReached = lion && target !== undefined ? timeToTarget(lion, target) : null;
    return {
      ...run,
      speedupVsLion: ratio(lion),
      speedupVsBf16: ratio(bf16),
      timeToTargetSeconds: reached,
      speedupToTargetVsLion: reached !== null && lionReached !== null && reached > 0 ? lionReached / reached : null,
    };
  });
}
