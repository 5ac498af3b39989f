// The report's findings in sentences: the largest speedups over the baselines and what they cost in accuracy.

import { rateLabel } from './palette.js';
import type { StrategyRun } from './types.js';

/** Strategies that are reference points, not candidates: a speedup of theirs is no finding. */
const REFERENCE = new Set(['lion', 'lion-bf16', 'noop']);

type SpeedupField = 'speedupVsLion' | 'speedupVsBf16' | 'speedupToTargetVsLion';

function best(runs: readonly StrategyRun[], field: SpeedupField): StrategyRun | undefined {
  let top: StrategyRun | undefined;
  for (const r of runs) {
    const v = r[field];
    if (REFERENCE.has(r.sync) || v === null) continue;
    if (!top || v > (top[field] as number)) top = r;
  }
  return top;
}

function accuracyNote(run: StrategyRun, runs: readonly StrategyRun[]): string {
  const lion = runs.find((r) => r.sync === 'lion' && r.rate === run.rate);
  if (run.overSeeds) return seedsAccuracyNote(run, lion);
  if (!lion) return `final test accuracy ${(run.finalMetric * 100).toFixed(2)}%`;
  const delta = (run.finalMetric - lion.finalMetric) * 100;
  const sign = delta >= 0 ? '+' : '−';
  return `final test accuracy ${(run.finalMetric * 100).toFixed(2)}% (lion ${(lion.finalMetric * 100).toFixed(2)}%, ${sign}${Math.abs(delta).toFixed(2)} points)`;
}

/** The accuracy over several seeds, and lion's on the same seeds with the paired difference when lion ran. */
function seedsAccuracyNote(run: StrategyRun, lion: StrategyRun | undefined): string {
  const over = run.overSeeds!;
  const text = `mean final test accuracy ${(over.finalMetric.mean * 100).toFixed(2)}% over ${over.seeds.length} seeds`;
  const paired = run.pairedVsLion;
  if (!lion?.overSeeds || !paired) return text;
  const delta = paired.metricDiff.mean * 100;
  return `${text} (lion ${(lion.overSeeds.finalMetric.mean * 100).toFixed(2)}%; paired difference ${delta >= 0 ? '+' : '−'}${Math.abs(delta).toFixed(2)} ± ${(paired.metricDiff.sd * 100).toFixed(2)} points, above lion on ${paired.higher}, equal on ${paired.equal}, below on ${paired.lower} of ${paired.seeds})`;
}

/**
 * `2.5` → "2.50× faster than lion", `0.5` → "2.00× slower than lion", and "as fast as lion" when the ratio
 * rounds to 1.00 either way (so 0.998 is not called "1.00× slower").
 */
export function ratioPhrase(speedup: number, baseline: string): string {
  const ratio = (speedup >= 1 ? speedup : 1 / speedup).toFixed(2);
  if (ratio === '1.00') return `as fast as ${baseline}`;
  return speedup >= 1 ? `${ratio}× faster than ${baseline}` : `${ratio}× slower than ${baseline}`;
}

/**
 * Up to three plain-text sentences: the fastest candidate strategy per step against lion, against lion-bf16, and in
 * time to lion's final accuracy, each with its link rate and final accuracy beside lion's. `noop`, `lion` and
 * `lion-bf16` are never the finding. Empty when no candidate has a speedup.
 */
export function headlines(runs: readonly StrategyRun[]): string[] {
  const out: string[] = [];
  const lion = best(runs, 'speedupVsLion');
  if (lion) out.push(`Per step, ${lion.sync} is ${ratioPhrase(lion.speedupVsLion as number, 'lion')} at ${rateLabel(lion.rate)}; ${accuracyNote(lion, runs)}.`);
  const bf16 = best(runs, 'speedupVsBf16');
  if (bf16) out.push(`Per step, ${bf16.sync} is ${ratioPhrase(bf16.speedupVsBf16 as number, 'lion-bf16')} at ${rateLabel(bf16.rate)}.`);
  const target = best(runs, 'speedupToTargetVsLion');
  if (target) {
    const seconds = target.timeToTargetSeconds === null ? '' : ` (${target.timeToTargetSeconds.toFixed(1)} s)`;
    out.push(`To lion's final test accuracy, ${target.sync} is ${ratioPhrase(target.speedupToTargetVsLion as number, 'lion')} at ${rateLabel(target.rate)}${seconds}.`);
  }
  return out;
}
