// Speedup against link rate (per step vs lion and lion-bf16, time to target vs lion) and cost model against measurement.

import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, PANEL, strategyColor, strategyLineChannels, type ChartContext, type ChartResult } from './chart-common.js';
import { modelRows, SPEEDUP_MEASURES, speedupRows } from './data.js';

function speedupChart(ctx: ChartContext): ChartResult {
  const id = 'speedup-vs-link';
  const title = 'Speedup against link rate';
  const rows = speedupRows(ctx.report.runs);
  if (rows.length === 0) return { id, title, reason: 'no run has a speedup (no lion or lion-bf16 baseline in the same run)' };
  const measures = SPEEDUP_MEASURES.filter((m) => rows.some((r) => r.measure === m));
  const spec: TopLevelSpec = {
    title: { text: title, subtitle: 'baseline time / strategy time, same workload, N and link; above 1 = faster than the baseline' },
    config: CONFIG,
    data: { values: rows },
    facet: { field: 'measure', type: 'nominal', title: null, sort: measures, header: { labelAnchor: 'start' } },
    columns: Math.min(3, measures.length),
    spec: {
      width: Math.max(160, Math.min(PANEL.width - 60, 70 * ctx.links.length)),
      height: PANEL.height,
      layer: [
        // The break-even line: a point on it is exactly as fast as the baseline.
        { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 1 } } },
        {
          mark: { type: 'line', point: { size: 36, filled: true }, strokeWidth: 1.8 },
          encoding: {
            x: { field: 'link', type: 'ordinal', title: 'link rate', sort: ctx.links, axis: { labelAngle: 0 } },
            y: { field: 'speedup', type: 'quantitative', title: 'speedup (×)', scale: { zero: false, nice: true } },
            ...strategyLineChannels(ctx),
            tooltip: [{ field: 'strategy' }, { field: 'link' }, { field: 'speedup', format: '.2f' }],
          },
        },
      ],
    },
  };
  return {
    id,
    title,
    caption: 'Per-step speedups from median step times; time to target = wall time until the test accuracy first reaches lion\'s final accuracy on that link.',
    spec,
  };
}

function modelChart(ctx: ChartContext): ChartResult {
  const id = 'cost-model';
  const title = 'Cost model against measured step time';
  const rows = modelRows(ctx.report.runs);
  if (rows.length === 0) return { id, title, reason: 'the cost model was not calibrated for this run (no predictedStepMs)' };
  const lo = Math.min(...rows.flatMap((r) => [r.measuredMs, r.predictedMs])) / 1.25;
  const hi = Math.max(...rows.flatMap((r) => [r.measuredMs, r.predictedMs])) * 1.25;
  const err = ctx.report.modelError;
  const subtitle = err
    ? `max |predicted − measured| / measured = ${(err.maxAbsRelError * 100).toFixed(1)}% over ${err.points} points; dashed: exact agreement`
    : 'dashed: exact agreement';
  const axis = (title: string, field: 'measuredMs' | 'predictedMs') => ({
    field,
    type: 'quantitative' as const,
    title,
    scale: { type: 'log' as const, domain: [lo, hi], nice: false },
  });
  const spec: TopLevelSpec = {
    title: { text: title, subtitle },
    config: CONFIG,
    width: PANEL.width,
    height: PANEL.width,
    layer: [
      {
        data: { values: [{ measuredMs: lo, predictedMs: lo }, { measuredMs: hi, predictedMs: hi }] },
        mark: { type: 'line', color: '#888', strokeDash: [4, 3] },
        encoding: { x: axis('measured step time (ms, median)', 'measuredMs'), y: axis('predicted step time (ms)', 'predictedMs') },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
        encoding: {
          x: axis('measured step time (ms, median)', 'measuredMs'),
          y: axis('predicted step time (ms)', 'predictedMs'),
          color: strategyColor(ctx),
          shape: { field: 'link', type: 'nominal', title: 'link rate', sort: ctx.links },
          tooltip: [{ field: 'strategy' }, { field: 'link' }, { field: 'measuredMs', format: '.2f' }, { field: 'predictedMs', format: '.2f' }],
        },
      },
    ],
  };
  return { id, title, caption: 'α–β–γ model with α, β, γ measured on this machine; points above the line are over-predicted.', spec };
}

/** Charts 6–7 of the report. */
export function speedupCharts(ctx: ChartContext): ChartResult[] {
  return [speedupChart(ctx), modelChart(ctx)];
}
