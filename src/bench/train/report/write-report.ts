// Writes a benchmark report directory: index.html (self-contained) plus every drawn chart as .svg and .png.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSkipped } from './chart-common.js';
import { buildCharts } from './charts.js';
import { reportHtml, type PageChart } from './html.js';
import { PNG_SCALE, renderSvg, svgToPng } from './render.js';
import type { BenchTrainReport } from './types.js';
import { readBenchTrainReport } from './validate.js';

export interface WriteReportOptions {
  /** PNG pixels per SVG pixel (default PNG_SCALE = 2). */
  pngScale?: number;
}

export interface WrittenReport {
  /** Absolute or `dir`-relative paths (as `dir` was given) of every file written, index.html first. */
  files: string[];
  /** Ids of the charts that were not drawn, with the reason (also stated on the page). */
  skipped: Array<{ id: string; reason: string }>;
}

/**
 * Renders `report` into `dir` (created if missing; existing files of the same names are overwritten):
 * `<chart>.svg`, `<chart>.png` for each chart with data, and `index.html`, which inlines the SVGs and opens offline.
 * Charts render one at a time to bound memory. Throws the file system's error if `dir` cannot be written,
 * and vega's if a chart spec is invalid (a bug here, not bad input).
 */
export async function writeReport(report: BenchTrainReport, dir: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const pngScale = options.pngScale ?? PNG_SCALE;
  await mkdir(dir, { recursive: true });
  const chartFiles: string[] = [];
  const page: PageChart[] = [];
  const skipped: WrittenReport['skipped'] = [];
  for (const result of buildCharts(report)) {
    if (isSkipped(result)) {
      skipped.push({ id: result.id, reason: result.reason });
      page.push({ result });
      continue;
    }
    const svg = await renderSvg(result.spec);
    const svgPath = join(dir, `${result.id}.svg`);
    const pngPath = join(dir, `${result.id}.png`);
    await writeFile(svgPath, svg);
    await writeFile(pngPath, await svgToPng(svg, pngScale));
    chartFiles.push(svgPath, pngPath);
    page.push({ result, svg });
  }
  const htmlPath = join(dir, 'index.html');
  await writeFile(htmlPath, reportHtml(report, page));
  return { files: [htmlPath, ...chartFiles], skipped };
}

/** Reads a results file written by `lion-cub bench train`, checks it (InvalidArgumentError naming the bad field), and writes its report into `dir`. */
export async function writeReportFromFile(resultsPath: string, dir: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  return writeReport(await readBenchTrainReport(resultsPath), dir, options);
}
