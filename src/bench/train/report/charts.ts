// Every chart of a benchmark report, in page order, each either drawn or skipped with a reason.

import { chartContext, type ChartResult } from './chart-common.js';
import { costCharts } from './cost-charts.js';
import { curveCharts } from './curve-charts.js';
import { speedupCharts } from './speedup-charts.js';
import type { BenchTrainReport } from './types.js';

/**
 * Loss vs step and vs time, accuracy vs step and vs time, step-time breakdown, bytes per parameter, speedup vs
 * link rate, cost model vs measurement. A chart whose data is missing (no evaluations, no baseline, no calibrated
 * model) comes back as a SkippedChart naming what was missing instead of an empty plot.
 */
export function buildCharts(report: BenchTrainReport): ChartResult[] {
  const ctx = chartContext(report);
  return [...curveCharts(ctx), ...costCharts(ctx), ...speedupCharts(ctx)];
}
