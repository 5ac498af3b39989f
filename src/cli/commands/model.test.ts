// `lion-cub model` and `lion-cub calibrate` flags: bad values are InvalidArgumentError naming the flag; outputs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { ConstantsFileError } from '../../costmodel/constants-file.js';
import { serializeConstants } from '../../costmodel/constants-file.js';
import { testConstants } from '../../costmodel/test-support/constants.js';
import { checkCalibrateFlags } from './calibrate.js';
import { parseParams, runModel, type ModelFlags } from './model.js';

const dir = mkdtempSync(join(tmpdir(), 'lion-cub-model-'));
const constantsFile = join(dir, 'c.json');
writeFileSync(constantsFile, serializeConstants(testConstants()));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const defaults: ModelFlags = {
  computeMs: '0', measured: 'median', ranksPerHost: '1', cores: '1', momentumFraction: '1', totalSteps: '10000', layers: '1', constants: constantsFile,
};

function run(flags: Partial<ModelFlags>): { out: string; warn: string } {
  let out = '';
  let warn = '';
  runModel({ ...defaults, ...flags }, (t) => { out += t; }, (t) => { warn += t; });
  return { out, warn };
}

function refuses(flags: Partial<ModelFlags>, field: string): void {
  assert.throws(() => run(flags), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, JSON.stringify(flags));
}

test('parameter counts: decimal k/M/B', () => {
  assert.equal(parseParams('124M'), 124_000_000);
  assert.equal(parseParams('1.5B'), 1_500_000_000);
  assert.equal(parseParams('4194304'), 4_194_304);
  for (const bad of ['', 'lots', '-5', '0', '1.5', '2T']) assert.throws(() => parseParams(bad), InvalidArgumentError, bad);
});

test('bad flags name themselves', () => {
  const ok = { params: '1M', nproc: '8', link: '1gbit' };
  refuses({ ...ok, params: undefined }, '--params');
  refuses({ ...ok, nproc: undefined }, '--nproc');
  refuses({ ...ok, nproc: '0' }, '--nproc');
  refuses({ ...ok, link: undefined }, '--link');
  refuses({ ...ok, link: '1gbps' }, '--link');
  refuses({ ...ok, computeMs: '-1' }, '--compute-ms');
  refuses({ ...ok, ranksPerHost: '0' }, '--ranks-per-host');
  refuses({ ...ok, momentumSync: 'often' }, '--momentum-sync');
  refuses({ ...ok, momentumSync: 'every:2', momentumFraction: '2' }, '--momentum-fraction');
  refuses({ ...ok, constants: join(dir, 'missing.json') }, '--constants');
  refuses({ validate: join(dir, 'missing.jsonl') }, '--validate');
  refuses({ validate: constantsFile, measured: 'mean' }, '--measured');
});

test('without a constants file: the built-in defaults, with a warning that says to calibrate', () => {
  const saved = process.env.LION_CUB_CONSTANTS;
  process.env.LION_CUB_CONSTANTS = join(dir, 'none-here.json');
  try {
    const { out, warn } = run({ params: '1M', nproc: '2', link: '1gbit', constants: undefined });
    assert.match(warn, /BUILT-IN DEFAULTS/);
    assert.match(warn, /lion-cub calibrate/);
    assert.match(out, /constants: builtin/);
  } finally {
    if (saved === undefined) delete process.env.LION_CUB_CONSTANTS;
    else process.env.LION_CUB_CONSTANTS = saved;
  }
});

test('a damaged constants file is a ConstantsFileError', () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"schema": "other"}');
  assert.throws(() => run({ params: '1M', nproc: '2', link: '1gbit', constants: bad }), ConstantsFileError);
});

test('one point: a row per strategy, in JSON too', () => {
  const { out } = run({ params: '1M', nproc: '8', link: '10gbit', computeMs: '5' });
  for (const s of ['noop', 'lion', 'lion-bf16', 'cub-1bit', 'cub-pbit:bits=4', 'cub-int8', 'dlion-mavo', 'dlion-avg']) assert.match(out, new RegExp(`^\\s*${s.replace('.', '\\.')}\\s`, 'm'));
  const json = run({ params: '1M', nproc: '256', link: '10gbit', json: true }).out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(json.length, 10);
  assert.ok(json.some((r) => r.strategy === 'cub-int8' && /127/.test(r.unsupported)));
  assert.ok(json.every((r) => r.unsupported || (r.stepMs > 0 && r.speedupVsLion > 0)));
});

test('--sweep covers N = 2…1024 on six links', () => {
  const rows = run({ params: '10M', sweep: true, json: true }).out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 10 * 6 * 10);
  assert.deepEqual([...new Set(rows.map((r) => r.link))], ['100mbit', '1gbit', '10gbit', '25gbit', '100gbit', '400gbit']);
  assert.deepEqual([...new Set(rows.map((r) => r.N))], [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
  assert.match(run({ params: '10M', sweep: true }).out, /Speedup over lion/);
});

test('--validate prices bench comm rows and reports each error', () => {
  const rows = join(dir, 'rows.jsonl');
  writeFileSync(rows, `${JSON.stringify({ op: 'allgather', dtype: 'float32', bytes: 1 << 20, params: 1 << 18, worldSize: 2, timeMs: 4, linkGbit: null })}\n`);
  const out = JSON.parse(run({ validate: rows, json: true }).out.trim().split('\n').pop()!);
  assert.equal(out.points, 1);
  assert.ok(out.maxAbsError >= 0);
});

test('calibrate flags', () => {
  assert.deepEqual(checkCalibrateFlags({ kernelValues: '4M', repeats: '7', netem: '1gbit,100mbit' }), { netem: ['1gbit', '100mbit'], kernelValues: 4 << 20, repeats: 7, statistic: 'median' });
  for (const [flags, field] of [
    [{ kernelValues: '4M', repeats: '7', netem: '1gbps' }, '--netem'],
    [{ kernelValues: '12', repeats: '7' }, '--kernel-values'],
    [{ kernelValues: '4M', repeats: '0' }, '--repeats'],
    [{ kernelValues: '4M', repeats: '7', statistic: 'mean' }, '--statistic'],
  ] as const) {
    assert.throws(() => checkCalibrateFlags(flags), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, field);
  }
});
