// The numbers behind the charts: one HTML table row per (strategy, link rate) run.

import { orderRates, orderStrategies, rateLabel } from './palette.js';
import type { Spread, StrategyRun } from './types.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** 3 significant digits without exponent noise for the magnitudes a benchmark produces; null → an em dash. */
export function formatNumber(value: number | null, digits = 3): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return Math.round(value).toLocaleString('en-US');
  if (abs < 1e-3) return value.toExponential(digits - 1);
  return String(+value.toPrecision(digits));
}

function formatRatio(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(2)}×`;
}

function formatPercent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

interface Column {
  head: string;
  /** Says what the column measures (hover text). */
  help: string;
  numeric: boolean;
  cell(run: StrategyRun): string;
}

const COLUMNS: Column[] = [
  { head: 'strategy', help: '--sync spec', numeric: false, cell: (r) => r.sync },
  { head: 'link', help: 'nominal link rate (tbf)', numeric: false, cell: (r) => rateLabel(r.rate) },
  { head: 'measured link (Gbit/s)', help: 'single-stream TCP throughput of the emulated link, same run', numeric: true, cell: (r) => formatNumber(r.linkGbit) },
  { head: 'step (ms)', help: 'median step time', numeric: true, cell: (r) => formatNumber(r.stepMsMedian) },
  { head: 'compute (ms)', help: 'forward + backward', numeric: true, cell: (r) => formatNumber(r.computeMs) },
  { head: 'encode (ms)', help: 'clip, pre-sign update, pack / quantise', numeric: true, cell: (r) => formatNumber(r.encodeMs) },
  { head: 'comm (ms)', help: 'waiting for collectives', numeric: true, cell: (r) => formatNumber(r.commMs) },
  { head: 'decode (ms)', help: 'apply the combined direction', numeric: true, cell: (r) => formatNumber(r.decodeMs) },
  { head: 'codec (ms)', help: 'codec work per step', numeric: true, cell: (r) => formatNumber(r.codecMs) },
  { head: 'predicted (ms)', help: 'α–β–γ cost model', numeric: true, cell: (r) => formatNumber(r.predictedStepMs) },
  { head: 'bytes / step', help: 'bytes one rank sent per step, headers included', numeric: true, cell: (r) => formatNumber(r.bytesSentPerStep) },
  { head: 'bytes / param', help: 'bytes / step ÷ parameters', numeric: true, cell: (r) => (r.numParams > 0 ? formatNumber(r.bytesSentPerStep / r.numParams) : '—') },
  {
    head: 'final loss', help: 'training loss at the last step (with several seeds: mean [min–max] over them)', numeric: true,
    cell: (r) => (r.overSeeds ? spreadCell(r.overSeeds.finalLoss, (v) => formatNumber(v, 4)) : formatNumber(r.finalLoss, 4)),
  },
  {
    head: 'final accuracy', help: 'test accuracy after the last step (with several seeds: mean [min–max] over them)', numeric: true,
    cell: (r) => (r.overSeeds ? spreadCell(r.overSeeds.finalMetric, formatPercent) : formatPercent(r.finalMetric)),
  },
  { head: 'vs lion', help: 'per-step speedup over lion, same link', numeric: true, cell: (r) => formatRatio(r.speedupVsLion) },
  { head: 'vs lion-bf16', help: 'per-step speedup over lion-bf16, same link', numeric: true, cell: (r) => formatRatio(r.speedupVsBf16) },
  { head: 'time to target (s)', help: "wall time to reach lion's final accuracy", numeric: true, cell: (r) => formatNumber(r.timeToTargetSeconds) },
  { head: 'to target vs lion', help: "speedup in time to lion's final accuracy", numeric: true, cell: (r) => formatRatio(r.speedupToTargetVsLion) },
];

/** Shown only when the runs were trained on several seeds. */
const PAIRED_COLUMN: Column = {
  head: 'accuracy − lion, paired',
  help: "mean ± sd over the seeds of this run's final accuracy minus lion's on the same seed; seeds above/equal/below lion",
  numeric: true,
  cell: (r) => {
    const p = r.pairedVsLion;
    if (!p) return '—';
    const points = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(2)}`;
    return `${points(p.metricDiff.mean)} ± ${(p.metricDiff.sd * 100).toFixed(2)} points (${p.higher}/${p.equal}/${p.lower})`;
  },
};

function spreadCell(s: Spread, format: (v: number) => string): string {
  return `${format(s.mean)} [${format(s.min)}–${format(s.max)}]`;
}

/** Runs grouped by link rate (slowest first), strategies in legend order within a rate. */
export function orderRuns(runs: readonly StrategyRun[]): StrategyRun[] {
  const rates = orderRates(runs.map((r) => r.rate));
  const strategies = orderStrategies(runs.map((r) => r.sync));
  return [...runs].sort((a, b) => rates.indexOf(a.rate) - rates.indexOf(b.rate) || strategies.indexOf(a.sync) - strategies.indexOf(b.sync));
}

/** The `<table>` of all runs, every cell escaped. */
export function runsTable(runs: readonly StrategyRun[]): string {
  const accuracyAt = COLUMNS.findIndex((c) => c.head === 'final accuracy') + 1;
  const columns = runs.some((r) => r.overSeeds) ? [...COLUMNS.slice(0, accuracyAt), PAIRED_COLUMN, ...COLUMNS.slice(accuracyAt)] : COLUMNS;
  const head = columns.map((c) => `<th title="${escapeHtml(c.help)}"${c.numeric ? ' class="num"' : ''}>${escapeHtml(c.head)}</th>`).join('');
  const body = orderRuns(runs)
    .map((run) => `<tr>${columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${escapeHtml(c.cell(run))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table class="runs">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
