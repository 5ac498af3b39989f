// Convergence charts: training loss and test metric against step and against wall-clock seconds, one panel per link.

import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, linkFacet, PANEL, strategyLineChannels, type ChartContext, type ChartResult } from './chart-common.js';
import { curveRows, evalRows, MAX_CURVE_POINTS, smoothingWindow } from './data.js';

type XAxis = 'step' | 'wallSeconds';

const X_TITLE: Record<XAxis, string> = { step: 'optimizer step', wallSeconds: 'wall-clock time (s)' };

/**
 * Panels share the step axis (every run takes the same steps) but not the time axis: a 100 Mbit/s run can be
 * orders of magnitude slower than an unshaped one, and a shared axis would squash the fast panels into a corner.
 */
function resolveFor(x: XAxis) {
  return x === 'wallSeconds' ? { scale: { x: 'independent' as const } } : undefined;
}

function lossChart(ctx: ChartContext, x: XAxis): ChartResult {
  const id = x === 'step' ? 'loss-vs-step' : 'loss-vs-time';
  const title = x === 'step' ? 'Training loss against step' : 'Training loss against wall-clock time';
  const rows = curveRows(ctx.report.runs);
  if (rows.length === 0) return { id, title, reason: 'no run has training-loss points (curve is empty)' };
  const longest = Math.max(...ctx.report.runs.map((r) => r.curve.length));
  const window = smoothingWindow(longest);
  const smoothed = window > 1 ? ` Faint: loss of each step; bold: its centred mean over ${window} steps.` : '';
  const thinned = longest > MAX_CURVE_POINTS ? ` Lines are drawn through means of ${Math.ceil(longest / MAX_CURVE_POINTS)} consecutive steps.` : '';
  const spec: TopLevelSpec = {
    title: { text: title, subtitle: `${ctx.report.workload}, N = ${ctx.report.nproc}; one panel per link rate` },
    config: CONFIG,
    data: { values: rows },
    ...linkFacet(ctx),
    spec: {
      width: PANEL.width,
      height: PANEL.height,
      encoding: {
        x: { field: x, type: 'quantitative', title: X_TITLE[x], scale: { zero: true } },
        order: { field: 'step', type: 'quantitative' },
      },
      layer: [
        // Minibatch loss is noisy: each step faintly, the trend on top.
        {
          mark: { type: 'line', strokeWidth: 1, opacity: 0.22, clip: true },
          encoding: { y: { field: 'loss', type: 'quantitative', title: 'training loss', scale: { zero: false } }, color: strategyLineChannels(ctx).color },
        },
        {
          mark: { type: 'line', strokeWidth: 2, clip: true },
          encoding: { y: { field: 'smoothLoss', type: 'quantitative' }, ...strategyLineChannels(ctx) },
        },
      ],
    },
    resolve: resolveFor(x),
  };
  const caption =
    x === 'step'
      ? `Same steps, same seed: curves that overlap converge alike per step.${smoothed}${thinned}`
      : `Time includes communication on the shaped link, so faster strategies reach a loss sooner.${smoothed}${thinned}`;
  return { id, title, caption, spec };
}

function metricChart(ctx: ChartContext, x: XAxis): ChartResult {
  const id = x === 'step' ? 'accuracy-vs-step' : 'accuracy-vs-time';
  const title = x === 'step' ? 'Test accuracy against step' : 'Test accuracy against wall-clock time';
  const rows = evalRows(ctx.report.runs);
  if (rows.length === 0) return { id, title, reason: 'no run has test evaluations (evals is empty)' };
  const spec: TopLevelSpec = {
    title: { text: title, subtitle: `${ctx.report.workload}, full test set, N = ${ctx.report.nproc}` },
    config: CONFIG,
    data: { values: rows },
    ...linkFacet(ctx),
    spec: {
      width: PANEL.width,
      height: PANEL.height,
      mark: { type: 'line', point: { size: 28, filled: true }, strokeWidth: 1.6, clip: true },
      encoding: {
        x: { field: x, type: 'quantitative', title: X_TITLE[x], scale: { zero: true } },
        y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.0%' }, scale: { zero: false } },
        ...strategyLineChannels(ctx),
        order: { field: 'step', type: 'quantitative' },
      },
    },
    resolve: resolveFor(x),
  };
  const caption = x === 'step' ? 'Evaluations on the full test set.' : 'At equal accuracy, the curve further left trained faster on that link.';
  return { id, title, caption, spec };
}

/** Charts 1–3 of the report: loss and accuracy, each against step and against wall-clock seconds. */
export function curveCharts(ctx: ChartContext): ChartResult[] {
  return [lossChart(ctx, 'step'), lossChart(ctx, 'wallSeconds'), metricChart(ctx, 'step'), metricChart(ctx, 'wallSeconds')];
}
