// Several seeds per strategy: each seed's final loss and test metric, their spread, and the paired difference to lion.
//
// One seed's final accuracy moves by a few test examples from seed to seed, so one run per strategy cannot tell a
// real accuracy gap from noise. Every strategy runs the same seeds; comparing seed by seed (paired) removes what
// the seed does to both (initial weights, data order) and leaves what the strategy does.

import { InvalidArgumentError } from '../../errors.js';
import { specName } from './speedup.js';
import type { OverSeeds, PairedVsLion, SeedOutcome, Spread, StrategyRun } from './report/types.js';

/** Mean, min and max of `values`; throws InvalidArgumentError for an empty list. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new InvalidArgumentError('values', values, 'at least one value');
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/** Sample standard deviation (n − 1 in the denominator); 0 for fewer than two values. */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = spread(values).mean;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

/** Every seed's outcome (in the given order) with the spread of final loss and metric over them. */
export function summariseSeeds(outcomes: readonly SeedOutcome[]): OverSeeds {
  return {
    seeds: [...outcomes],
    finalLoss: spread(outcomes.map((o) => o.finalLoss)),
    finalMetric: spread(outcomes.map((o) => o.finalMetric)),
  };
}

/**
 * This run minus lion over the seeds both ran (matched by seed, not by position); null when they share none.
 * A difference counts as equal when it is exactly 0: the metric is a count of test examples over a fixed set,
 * so equal accuracies are equal numbers.
 */
export function pairedDifference(run: OverSeeds, lion: OverSeeds): PairedVsLion | null {
  const lionBySeed = new Map(lion.seeds.map((o) => [o.seed, o]));
  const pairs = run.seeds.flatMap((o) => {
    const base = lionBySeed.get(o.seed);
    return base ? [{ metric: o.finalMetric - base.finalMetric, loss: o.finalLoss - base.finalLoss }] : [];
  });
  if (pairs.length === 0) return null;
  const metric = pairs.map((p) => p.metric);
  return {
    seeds: pairs.length,
    metricDiff: { ...spread(metric), sd: sampleSd(metric) },
    lossDiff: spread(pairs.map((p) => p.loss)),
    higher: metric.filter((d) => d > 0).length,
    equal: metric.filter((d) => d === 0).length,
    lower: metric.filter((d) => d < 0).length,
  };
}

/**
 * Fills pairedVsLion on every row with overSeeds except lion's own: the difference to the lion row at the same rate,
 * or null when lion did not run there. Rows without overSeeds (one seed) are returned as they are.
 */
export function applyPairedVsLion<T extends StrategyRun>(runs: readonly T[]): T[] {
  return runs.map((run) => {
    if (!run.overSeeds || specName(run.sync) === 'lion') return run;
    const lion = runs.find((r) => r.rate === run.rate && specName(r.sync) === 'lion');
    return { ...run, pairedVsLion: lion?.overSeeds ? pairedDifference(run.overSeeds, lion.overSeeds) : null };
  });
}
