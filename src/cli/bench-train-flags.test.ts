// `lion-cub bench train` flags: strategy lists, link rates and the baselines each plan compares against.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { parseRateList, parseSeedList, planBenchTrain, splitSyncList, type BenchTrainFlags } from './bench-train-flags.js';
import { BASELINES } from '../bench/train/plan.js';
import { registerBenchTrain } from './commands/bench-train.js';
import { InvalidArgumentError } from '../errors.js';

const base: BenchTrainFlags = { nproc: '2', sync: 'cub-1bit', netem: 'none', steps: '10', repeat: '1', workload: 'synthetic', out: '/tmp/unused' };

function fieldIs(field: string) {
  return (err: unknown) => err instanceof InvalidArgumentError && err.field === field;
}

test('--sync list: commas split strategies, key=value items continue the spec before them', () => {
  assert.deepEqual(splitSyncList('cub-1bit,cub-pbit'), ['cub-1bit', 'cub-pbit']);
  assert.deepEqual(splitSyncList('cub-pbit:bits=4,quant=l1,lion, cub-1bit:seed=3'), ['cub-pbit:bits=4,quant=l1', 'lion', 'cub-1bit:seed=3']);
  assert.deepEqual(splitSyncList(' , '), []);
});

test('--netem list: tc rates and none, duplicates dropped, anything else refused', () => {
  assert.deepEqual(parseRateList('100mbit,1gbit,none,1gbit'), ['100mbit', '1gbit', 'none']);
  for (const bad of ['', 'fast', '1gbit,lots']) assert.throws(() => parseRateList(bad), fieldIs('--netem'), bad);
});

test('baselines come first and are not duplicated; --no-baselines keeps only the list', () => {
  const plan = planBenchTrain({ ...base, sync: 'cub-1bit,lion' });
  assert.deepEqual(plan.syncs, [...BASELINES, 'cub-1bit']);
  assert.equal(plan.configs.length, plan.syncs.length);
  assert.deepEqual(plan.configs.map((c) => c.sync), plan.syncs);
  for (const c of plan.configs) {
    assert.equal(c.steps, 10);
    assert.equal(c.workload, 'synthetic');
  }
  const bare = planBenchTrain({ ...base, sync: 'cub-1bit,lion', baselines: false });
  assert.deepEqual(bare.syncs, ['cub-1bit', 'lion']);
  assert.equal(bare.nproc, 2);
  assert.equal(bare.steps, 10);
});

test('--seeds: the list in order, the first as the plan\'s seed; without it the one --seed', () => {
  assert.deepEqual(parseSeedList('5, 1,-2'), [5, 1, -2]);
  const plan = planBenchTrain({ ...base, seeds: '3,1,2' });
  assert.deepEqual([plan.seeds, plan.seed], [[3, 1, 2], 3]);
  assert.ok(plan.configs.every((c) => c.seed === 3));
  const one = planBenchTrain({ ...base, seed: '9' });
  assert.deepEqual([one.seeds, one.seed], [[9], 9]);
});

test('--momentum-sync and --wd reach every run\'s configuration', () => {
  const tuned = planBenchTrain({ ...base, momentumSync: 'every:10', wd: '0.5' });
  assert.ok(tuned.configs.every((c) => c.momentumSync === 'every:10' && c.weightDecay === 0.5));
});

test('bad flags name the flag before anything runs', () => {
  const cases: Array<[Partial<BenchTrainFlags>, string]> = [
    [{ sync: '', baselines: false }, '--sync'],
    [{ sync: 'no-such-strategy' }, '--sync'],
    [{ repeat: '0' }, '--repeat'],
    [{ repeat: 'two' }, '--repeat'],
    [{ steps: '-3' }, '--steps'],
    [{ out: undefined }, '--out'],
    [{ workload: 'imagenet' }, '--workload'],
    [{ nproc: '1', netem: '1gbit' }, '--nproc'],
    [{ nproc: '4', batch: '2' }, '--batch'],
    [{ lr: 'fast' }, '--lr'],
    [{ netem: '1gbit,warp' }, '--netem'],
    [{ momentumSync: 'sometimes' }, '--momentum-sync'],
    [{ wd: 'lots' }, '--wd'],
    [{ seeds: '1,2,1' }, '--seeds'],
    [{ seeds: '1,x' }, '--seeds'],
    [{ seeds: ' , ' }, '--seeds'],
    [{ seeds: '1.5' }, '--seeds'],
    [{ seeds: '1,2', seed: '3' }, '--seeds'],
    [{ heartbeatTimeout: '0.5' }, '--heartbeat-timeout'],
    [{ heartbeatTimeout: 'soon' }, '--heartbeat-timeout'],
  ];
  for (const [change, field] of cases) assert.throws(() => planBenchTrain({ ...base, ...change }), fieldIs(field), JSON.stringify(change));
});

test('--transport-security: the flag, else LION_CUB_TRANSPORT_SECURITY, else encrypt; anything else names the flag', () => {
  const saved = process.env.LION_CUB_TRANSPORT_SECURITY;
  try {
    delete process.env.LION_CUB_TRANSPORT_SECURITY;
    assert.equal(planBenchTrain(base).transportSecurity, 'encrypt');
    assert.equal(planBenchTrain({ ...base, transportSecurity: 'integrity' }).transportSecurity, 'integrity');
    process.env.LION_CUB_TRANSPORT_SECURITY = 'none';
    assert.equal(planBenchTrain(base).transportSecurity, 'none');
    assert.throws(() => planBenchTrain({ ...base, transportSecurity: 'tls' }), fieldIs('--transport-security'));
  } finally {
    if (saved === undefined) delete process.env.LION_CUB_TRANSPORT_SECURITY;
    else process.env.LION_CUB_TRANSPORT_SECURITY = saved;
  }
});

test('the command refuses bad flags with a usage exit before launching anything', async () => {
  const program = new Command().exitOverride();
  registerBenchTrain(program);
  const stderr = process.stderr.write;
  let written = '';
  process.stderr.write = ((chunk: string) => { written += chunk; return true; }) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'lion-cub', 'bench', 'train', '--sync', 'cub-1bit', '--repeat', '0', '--out', '/tmp/unused']);
  } finally {
    process.stderr.write = stderr;
  }
  assert.equal(process.exitCode, 2);
  process.exitCode = 0;
  assert.match(written, /--repeat/);
});
