// Where a step's time and bytes go: stacked step-time breakdown per link rate, and bytes sent per parameter.

import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, PANEL, strategyColor, type ChartContext, type ChartResult } from './chart-common.js';
import { bytesRows, PHASES, phaseRows, stepTotalRows } from './data.js';

/** Phase colors: a sequence unlike the strategy palette, so the two are never confused; comm is the loud one. */
const PHASE_COLORS: Record<(typeof PHASES)[number], string> = {
  compute: '#8fb3d9',
  encode: '#f2c14e',
  comm: '#d1495b',
  decode: '#66a182',
  other: '#d9d9d9',
};

/** Height of one horizontal bar row in px. */
const BAR_ROW = 22;

function breakdownChart(ctx: ChartContext): ChartResult {
  const id = 'step-breakdown';
  const title = 'Where a step\'s time goes';
  const { runs } = ctx.report;
  if (runs.length === 0) return { id, title, reason: 'the report has no runs' };
  const strategies = ctx.colors.domain;
  const values = [
    ...phaseRows(runs).map((r) => ({ kind: 'phase', ...r })),
    ...stepTotalRows(runs).map((r) => ({ kind: 'total', ...r, label: `${formatMs(r.stepMs)}` })),
  ];
  const y = { field: 'strategy', type: 'nominal', title: null, sort: strategies, axis: { labelLimit: 260 } } as const;
  const spec: TopLevelSpec = {
    title: { text: `${title}: median step time by phase`, subtitle: 'other = median step − timed phases (loop overhead, data, untimed waits)' },
    config: CONFIG,
    data: { values },
    facet: { field: 'link', type: 'nominal', title: null, sort: ctx.links, header: { labelAnchor: 'start' } },
    columns: 1,
    spec: {
      width: PANEL.width * 2 - 120,
      height: { step: BAR_ROW },
      layer: [
        {
          transform: [{ filter: "datum.kind === 'phase'" }],
          mark: { type: 'bar' },
          encoding: {
            y,
            x: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'milliseconds per step' },
            color: {
              field: 'phase',
              type: 'nominal',
              title: 'phase',
              scale: { domain: [...PHASES], range: PHASES.map((p) => PHASE_COLORS[p]) },
              sort: [...PHASES],
            },
            order: { field: 'order', type: 'quantitative' },
            tooltip: [{ field: 'strategy' }, { field: 'phase' }, { field: 'ms', format: '.2f' }],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'total'" }],
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' },
          encoding: { y, x: { field: 'stepMs', type: 'quantitative' }, text: { field: 'label' } },
        },
      ],
    },
    // Step times differ by orders of magnitude between link rates: each panel gets its own time axis.
    resolve: { scale: { x: 'independent' } },
  };
  return { id, title, caption: 'Each bar is one strategy on one link; its length is the median step time (number at its end).', spec };
}

function bytesChart(ctx: ChartContext): ChartResult {
  const id = 'bytes-per-param';
  const title = 'Bytes sent per parameter per step';
  const rows = bytesRows(ctx.report.runs);
  const positive = rows.filter((r) => r.bytesPerParam > 0);
  if (positive.length === 0) return { id, title, reason: 'no run sent any bytes or reported numParams' };
  const silent = rows.filter((r) => r.bytesPerParam <= 0).map((r) => r.strategy);
  const values = positive.map((r) => ({ ...r, label: `${formatBytes(r.bytesPerParam)} B (${formatBits(r.bytesPerParam * 8)} bit)` }));
  const max = Math.max(...positive.map((r) => r.bytesPerParam));
  const min = Math.min(...positive.map((r) => r.bytesPerParam));
  // fp32 allreduce and 1-bit votes differ ~30×: on a linear axis the compressed bars would be slivers.
  const log = max / min > 20;
  const y = { field: 'strategy', type: 'nominal', title: null, sort: ctx.colors.domain, axis: { labelLimit: 260 } } as const;
  const spec: TopLevelSpec = {
    title: { text: title, subtitle: `per rank, frame headers included; N = ${ctx.report.nproc}${log ? '; log scale' : ''}` },
    config: CONFIG,
    data: { values },
    width: PANEL.width * 2 - 120,
    height: { step: BAR_ROW + 4 },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y,
          x: {
            field: 'bytesPerParam',
            type: 'quantitative',
            title: 'bytes per parameter per step',
            stack: null,
            scale: log ? { type: 'log', domain: [10 ** Math.floor(Math.log10(min)), 10 ** Math.ceil(Math.log10(max))] } : { zero: true },
          },
          color: { ...strategyColor(ctx), legend: null },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' },
        encoding: { y, x: { field: 'bytesPerParam', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
  const note = silent.length > 0 ? ` Not drawn (sent nothing): ${silent.join(', ')}.` : '';
  return { id, title, caption: `Median over link rates: what is sent does not depend on the link.${note}`, spec };
}

/** Charts 4–5 of the report. */
export function costCharts(ctx: ChartContext): ChartResult[] {
  return [breakdownChart(ctx), bytesChart(ctx)];
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  return `${ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3)} ms`;
}

function formatBytes(bytes: number): string {
  return bytes >= 10 ? bytes.toFixed(1) : bytes.toPrecision(3);
}

function formatBits(bits: number): string {
  return bits >= 10 ? bits.toFixed(1) : bits.toPrecision(3);
}
