// The report page: one self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched when opened).

import { isSkipped, type ChartResult } from './chart-common.js';
import { headlines } from './headline.js';
import { orderRates, rateLabel } from './palette.js';
import { escapeHtml, formatNumber, runsTable } from './table.js';
import type { BenchTrainReport } from './types.js';

/** A chart as the page shows it: its result, and the SVG when it was drawn. */
export interface PageChart {
  result: ChartResult;
  svg?: string;
}

const STYLE = `
body { font-family: 'DejaVu Sans', Verdana, Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1180px; padding: 0 16px; line-height: 1.45; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin: 28px 0 6px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 14px; }
.meta dt { color: #666; } .meta dd { margin: 0; }
pre { background: #f5f5f5; padding: 10px; overflow-x: auto; font-size: 13px; white-space: pre-wrap; word-break: break-all; }
table.runs { border-collapse: collapse; font-size: 12px; display: block; overflow-x: auto; }
table.runs th, table.runs td { padding: 3px 7px; border-bottom: 1px solid #e3e3e3; white-space: nowrap; }
table.runs th { background: #f0f0f0; text-align: left; position: sticky; top: 0; }
table.runs tbody tr:nth-child(even) { background: #fafafa; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0 0 18px; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #555; } .skipped { color: #8a6d3b; font-size: 14px; }
`;

/**
 * Makes the ids of one inline SVG unique on the page (`clip1` → `<prefix>-clip1`, and every `url(#…)`/`href="#…"`
 * pointing at them): each chart was rendered on its own, and two charts with the same clip id would clip each other.
 * Drops the namespace attributes, which inline SVG in HTML does not need.
 */
export function inlineSvg(svg: string, prefix: string, label: string): string {
  const ids = new Set([...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
  let out = svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${prefix}-${id})` : m))
    .replace(/href="#([^"]+)"/g, (m, id: string) => (ids.has(id) ? `href="#${prefix}-${id}"` : m));
  out = out.replace(/^<svg\b/, `<svg role="img" aria-label="${escapeHtml(label)}"`);
  return out;
}

function metaList(report: BenchTrainReport): string {
  const rates = orderRates(report.runs.map((r) => r.rate));
  const measured = rates.map((rate) => {
    const gbit = report.runs.find((r) => r.rate === rate && r.linkGbit !== null)?.linkGbit ?? null;
    return `${rateLabel(rate)}${gbit === null ? '' : ` (measured ${formatNumber(gbit)} Gbit/s)`}`;
  });
  const machine = Object.entries(report.machine).map(([k, v]) => `${k}: ${String(v)}`).join(', ');
  const params = [...new Set(report.runs.map((r) => r.numParams))].map((d) => formatNumber(d)).join(', ');
  const items: Array<[string, string]> = [
    ['workload', `${report.workload} (${params} parameters)`],
    ['ranks (N)', String(report.nproc)],
    ['steps', String(report.steps)],
    report.seeds ? ['seeds', report.seeds.join(', ')] : ['seed', String(report.seed)],
    ['transport security', report.transportSecurity ?? '—'],
    ['link rates', measured.join('; ') || '—'],
    ['machine', machine],
    ['created', report.createdAt],
  ];
  if (report.modelError) {
    items.push(['cost model', `max relative error ${(report.modelError.maxAbsRelError * 100).toFixed(1)}% over ${report.modelError.points} measured points`]);
  }
  return `<dl class="meta">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function chartSection(chart: PageChart): string {
  const { result } = chart;
  if (isSkipped(result) || chart.svg === undefined) {
    const reason = isSkipped(result) ? result.reason : 'not rendered';
    return `<section id="${escapeHtml(result.id)}"><h2>${escapeHtml(result.title)}</h2><p class="skipped">Not drawn: ${escapeHtml(reason)}.</p></section>`;
  }
  const files = `<a href="${escapeHtml(result.id)}.svg">SVG</a> · <a href="${escapeHtml(result.id)}.png">PNG</a>`;
  return [
    `<section id="${escapeHtml(result.id)}"><h2>${escapeHtml(result.title)}</h2>`,
    `<figure>${inlineSvg(chart.svg, result.id, result.title)}`,
    `<figcaption>${escapeHtml(result.caption)} (${files})</figcaption></figure></section>`,
  ].join('\n');
}

function findings(report: BenchTrainReport): string {
  const lines = headlines(report.runs);
  if (lines.length === 0) return '';
  return `<h2>Findings</h2>\n<ul class="findings">${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`;
}

/** The whole page. Every string from the report is escaped; the SVGs come from renderSvg. */
export function reportHtml(report: BenchTrainReport, charts: readonly PageChart[]): string {
  const title = `lion-cub bench train: ${report.workload}, N = ${report.nproc}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${metaList(report)}
${findings(report)}
<h2>Command</h2>
<pre><code>${escapeHtml(report.command)}</code></pre>
<p><strong>How to reproduce:</strong> run the command above from a built checkout of lion-cub (<code>npm ci &amp;&amp; npm run build</code>),
as root with iproute2 installed when link rates are shaped. Machines and load differ: compare the ratios within one report, not absolute times across reports.</p>
<h2>All runs</h2>
${runsTable(report.runs)}
${charts.map(chartSection).join('\n')}
</body>
</html>
`;
}
