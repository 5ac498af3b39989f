import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCharts } from './charts.js';
import { headlines, ratioPhrase } from './headline.js';
import { inlineSvg, reportHtml } from './html.js';
import { escapeHtml, formatNumber, orderRuns, runsTable } from './table.js';
import { fakeReport } from './test-support/fake-report.js';

test('inline SVGs get page-unique ids and references, and lose their namespace attributes', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10"><defs><clipPath id="clip1"><rect/></clipPath></defs>'
    + '<g clip-path="url(#clip1)"><use href="#clip1"/><path fill="url(#elsewhere)"/></g></svg>';
  const a = inlineSvg(svg, 'loss', 'Loss <chart>');
  const b = inlineSvg(svg, 'bytes', 'Bytes');
  assert.match(a, /^<svg role="img" aria-label="Loss &lt;chart&gt;" width="10">/);
  assert.match(a, /id="loss-clip1"/);
  assert.match(a, /clip-path="url\(#loss-clip1\)"/);
  assert.match(a, /href="#loss-clip1"/);
  assert.match(a, /url\(#elsewhere\)/, 'references to ids outside the SVG are left alone');
  assert.doesNotMatch(a + b, /xmlns|http/);
  assert.match(b, /id="bytes-clip1"/);
});

test('the table lists every run, grouped by link rate slowest first, with nulls as dashes', () => {
  const report = fakeReport(20, 10);
  const ordered = orderRuns(report.runs);
  assert.deepEqual(ordered.slice(0, 6).map((r) => r.rate), Array(6).fill('100mbit'));
  assert.equal(ordered[0].sync, 'lion');
  assert.equal(ordered[ordered.length - 1].rate, 'none');
  const html = runsTable(report.runs);
  assert.equal(html.match(/<tr>/g)?.length, report.runs.length + 1);
  assert.match(html, /cub-pbit:bits=4,quant=l1/);
  assert.equal(formatNumber(null), '—');
  assert.equal(formatNumber(0.123456), '0.123');
  assert.equal(formatNumber(1234567), '1,234,567');
});

test('strings from the report are escaped everywhere on the page', () => {
  const report = fakeReport(20, 10);
  report.command = 'lion-cub bench train --workload "<script>alert(1)</script>"';
  report.workload = 'w<b>';
  report.runs[0].sync = 'x<img src=y>';
  const html = reportHtml(report, buildCharts(report).map((result) => ({ result })));
  assert.doesNotMatch(html, /<script|<img|<b>/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.equal(escapeHtml(`a&"'`), 'a&amp;&quot;&#39;');
});

test('findings name the fastest candidate, never a baseline or noop, and say "slower" below 1×', () => {
  const report = fakeReport(50, 10);
  const lines = headlines(report.runs);
  assert.equal(lines.length, 3);
  // In the fake data noop is fastest and cub-1bit the fastest candidate, at the slowest link.
  assert.match(lines[0], /^Per step, cub-1bit is \d+\.\d\d× faster than lion at 100 Mbit\/s; final test accuracy .*lion .* points\)\.$/);
  assert.doesNotMatch(lines.join(' '), /noop|lion-bf16 is|, lion is/);
  for (const r of report.runs) {
    r.speedupVsLion = r.sync === 'lion' ? 1 : 0.5;
    r.speedupVsBf16 = r.speedupToTargetVsLion = null;
  }
  assert.deepEqual(headlines(report.runs).length, 1);
  assert.match(headlines(report.runs)[0], /2\.00× slower than lion/);
  assert.deepEqual(headlines([]), []);
});

test('a ratio that rounds to 1.00 is "as fast as", never "1.00× slower" or "1.00× faster"', () => {
  assert.equal(ratioPhrase(0.998, 'lion'), 'as fast as lion');
  assert.equal(ratioPhrase(1.004, 'lion-bf16'), 'as fast as lion-bf16');
  assert.equal(ratioPhrase(0.99, 'lion'), '1.01× slower than lion');
  assert.equal(ratioPhrase(1.006, 'lion'), '1.01× faster than lion');
});

test('over several seeds the table shows mean [min–max] and the paired difference to lion', () => {
  const report = fakeReport(20, 10);
  const spread = (mean: number, min: number, max: number) => ({ mean, min, max });
  for (const r of report.runs) r.overSeeds = { seeds: [], finalLoss: spread(0.5, 0.25, 0.75), finalMetric: spread(0.9, 0.8875, 0.9125) };
  report.runs[1].pairedVsLion = { seeds: 5, metricDiff: { ...spread(-0.001, -0.003, 0.001), sd: 0.0015 }, lossDiff: spread(0, 0, 0), higher: 1, equal: 1, lower: 3 };
  const html = runsTable(report.runs);
  assert.match(html, /accuracy − lion, paired/);
  assert.match(html, /90\.00% \[88\.75%–91\.25%\]/);
  assert.match(html, /−0\.10 ± 0\.15 points \(1\/1\/3\)/);
  assert.doesNotMatch(runsTable(fakeReport(20, 10).runs), /paired/, 'one seed: no paired column');
});
