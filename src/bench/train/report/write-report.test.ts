import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fakeReport } from './test-support/fake-report.js';
import { writeReport } from './write-report.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-report-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

test('a full report writes index.html and every chart as SVG and PNG', async () => {
  await withDir(async (dir) => {
    const report = fakeReport(120, 20);
    // Scale 1 halves the rasterising time; the default 2 is exercised by the next test.
    const { files, skipped } = await writeReport(report, join(dir, 'nested', 'out'), { pngScale: 1 });
    assert.deepEqual(skipped, []);
    assert.equal(files.length, 1 + 8 * 2);
    assert.equal(basename(files[0]), 'index.html');
    assert.deepEqual((await readdir(join(dir, 'nested', 'out'))).sort(), files.map((f) => basename(f)).sort());

    for (const file of files.filter((f) => f.endsWith('.png'))) {
      const png = await readFile(file);
      assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, file);
      assert.ok(png.length > 10_000, `${file}: ${png.length} bytes`);
      const { width, height } = pngSize(png);
      assert.ok(width >= 400 && height >= 200, `${file}: ${width}×${height}`);
      // The PNG is the SVG at scale 1: same size as the SVG's own width and height.
      const svg = await readFile(file.replace(/\.png$/, '.svg'), 'utf8');
      const [, w, h] = /^<svg[^>]*\swidth="(\d+)" height="(\d+)"/.exec(svg) ?? [];
      assert.deepEqual([width, height], [Number(w), Number(h)], file);
    }
    for (const file of files.filter((f) => f.endsWith('.svg'))) {
      const svg = await readFile(file, 'utf8');
      assert.match(svg, /^<svg[^>]*viewBox=/, file);
      assert.match(svg, /<text/, `${file} has labels`);
    }

    const html = await readFile(files[0], 'utf8');
    assert.equal(html.match(/<svg\b/g)?.length, 8, 'every chart inline');
    assert.doesNotMatch(html, /https?:/i, 'nothing to fetch: no http(s) URL anywhere');
    assert.doesNotMatch(html, /<script|<link|<iframe|<img|@import|\bsrc=/i);
    assert.match(html, /lion-cub bench train --workload fake-mlp/);
    for (const run of report.runs) assert.ok(html.includes(run.sync), run.sync);
    assert.match(html, /How to reproduce/);
    assert.match(html, /FAKE CPU/);
    // Each chart's ids are prefixed with the chart's own id, so no two inline SVGs share one.
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique on the page');
  });
});

test('missing evaluations, baselines and model leave those charts out and say why', async () => {
  await withDir(async (dir) => {
    const report = fakeReport(60, 20);
    report.runs = report.runs.filter((r) => r.rate === '1gbit' && (r.sync === 'lion' || r.sync.startsWith('cub-pbit')));
    for (const run of report.runs) {
      run.evals = [];
      run.predictedStepMs = null;
      run.speedupVsLion = run.speedupVsBf16 = run.speedupToTargetVsLion = null;
    }
    delete report.modelError;
    const { files, skipped } = await writeReport(report, dir);
    assert.deepEqual(skipped.map((s) => s.id), ['accuracy-vs-step', 'accuracy-vs-time', 'speedup-vs-link', 'cost-model']);
    assert.equal(files.length, 1 + 4 * 2);
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    assert.equal(html.match(/<svg\b/g)?.length, 4);
    assert.equal(html.match(/Not drawn:/g)?.length, 4);
    assert.match(html, /no run has test evaluations/);
    const png = await readFile(join(dir, 'loss-vs-step.png'));
    const svg = await readFile(join(dir, 'loss-vs-step.svg'), 'utf8');
    const [, w] = /^<svg[^>]*\swidth="(\d+)"/.exec(svg) ?? [];
    assert.equal(pngSize(png).width, 2 * Number(w), 'default PNG scale is 2');
  });
});

test('a report with no runs still writes a page', async () => {
  await withDir(async (dir) => {
    const { files, skipped } = await writeReport({ ...fakeReport(10, 5), runs: [] }, dir);
    assert.deepEqual(files.map((f) => basename(f)), ['index.html']);
    assert.equal(skipped.length, 8);
    assert.match(await readFile(files[0], 'utf8'), /<table class="runs">/);
  });
});
