// What every chart of the report shares: the chart record, look and feel, strategy colors and facet order.

import type { TopLevelSpec } from 'vega-lite';
import { orderRates, rateLabel, strategyColors, type ColorScale } from './palette.js';
import type { BenchTrainReport } from './types.js';

/** One chart of the report: `id` names its files (`<id>.svg`, `<id>.png`). */
export interface ChartDef {
  id: string;
  title: string;
  /** One or two sentences under the chart in the HTML: how to read it. */
  caption: string;
  spec: TopLevelSpec;
}

/** A chart the report's data could not fill, and why (shown in the HTML instead of the chart). */
export interface SkippedChart {
  id: string;
  title: string;
  reason: string;
}

export type ChartResult = ChartDef | SkippedChart;

export function isSkipped(result: ChartResult): result is SkippedChart {
  return 'reason' in result;
}

/** What the chart builders need besides the rows: the same colors and orders for every chart. */
export interface ChartContext {
  report: BenchTrainReport;
  colors: ColorScale;
  /** Link labels from slowest to fastest, unshaped last. */
  links: string[];
}

export function chartContext(report: BenchTrainReport): ChartContext {
  const links = [...new Set(orderRates(report.runs.map((r) => r.rate)).map(rateLabel))];
  return { report, colors: strategyColors(report.runs.map((r) => r.sync)), links };
}

/** Width and height in px of one facet panel. */
export const PANEL = { width: 330, height: 210 } as const;

/** Font available on the rendering machine (fonts-dejavu-core); browsers fall back to their sans-serif. */
export const FONT = 'DejaVu Sans, Verdana, Helvetica, Arial, sans-serif';

export const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 12,
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#555', anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  header: { labelFontSize: 12, labelFontWeight: 'bold', titleFontSize: 12 },
  // Strategy specs such as `cub-pbit:bits=4,quant=l1` are longer than vega's default label limit.
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320, orient: 'right' },
  view: { stroke: '#cccccc' },
} as const;

/** The color channel of a strategy: identical domain and range in every chart, legend in baseline-first order. */
export function strategyColor(ctx: ChartContext, title = 'strategy') {
  return {
    field: 'strategy',
    type: 'nominal',
    title,
    scale: { domain: ctx.colors.domain, range: ctx.colors.range },
    sort: ctx.colors.domain,
  } as const;
}

/** Legend of line charts: a short stroke per strategy, so its dash pattern shows (a circle cannot). */
const LINE_LEGEND = { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolSize: 400, symbolOpacity: 1 } as const;

/**
 * Color and dash channels of a strategy in line charts. They share field, title and legend properties, so vega-lite
 * draws one legend whose symbols carry both.
 */
export function strategyLineChannels(ctx: ChartContext, title = 'strategy') {
  return {
    color: { ...strategyColor(ctx, title), legend: LINE_LEGEND },
    strokeDash: {
      field: 'strategy',
      type: 'nominal',
      title,
      scale: { domain: ctx.colors.domain, range: ctx.colors.dashes },
      sort: ctx.colors.domain,
      legend: LINE_LEGEND,
    },
  } as const;
}

/** Facet (wrapped) by link rate in slow-to-fast order, two panels per row. */
export function linkFacet(ctx: ChartContext, columns = Math.min(2, ctx.links.length)) {
  return {
    facet: { field: 'link', type: 'nominal', title: null, sort: ctx.links, header: { labelAnchor: 'start' } },
    columns,
  } as const;
}
