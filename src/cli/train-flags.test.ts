// Tests of `lion-cub train` flag and config-file parsing: types, precedence, defaults, and errors naming the flag or file key.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { defaultSync, DEFAULT_STEPS, TRAIN_DEFAULTS } from '../train/config.js';
import { DEFAULT_NPROC, parseTrainInvocation, type TrainFlags } from './train-flags.js';

const noFile = (): string => { throw Object.assign(new Error('no such file'), { code: 'ENOENT' }); };
const file = (json: unknown) => (): string => JSON.stringify(json);

function fails(flags: TrainFlags, field: string | RegExp, readFile = noFile): void {
  assert.throws(() => parseTrainInvocation(flags, readFile), (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, String(e));
    if (typeof field === 'string') assert.equal(e.field, field, e.message);
    else assert.match(e.field, field, e.message);
    return true;
  });
}

test('no flags: the main job with the embedded defaults', () => {
  const inv = parseTrainInvocation({}, noFile);
  assert.equal(inv.nproc, DEFAULT_NPROC);
  assert.equal(inv.nprocGiven, false);
  assert.equal(inv.config.workload, 'mnist-mlp');
  assert.equal(inv.config.sync, defaultSync());
  assert.equal(inv.config.steps, DEFAULT_STEPS);
  assert.equal(inv.config.lr, TRAIN_DEFAULTS.lr);
  assert.deepEqual([inv.outDir, inv.resume, inv.netem, inv.json], [null, false, null, false]);
});

test('flags are read with their types and override the config file', () => {
  const inv = parseTrainInvocation({
    config: 'run.json', workload: 'synthetic', workloadOptions: '{"numParams":500}', nproc: '2', sync: 'lion-bf16', momentumSync: 'every:5@bf16',
    epochs: '3', batch: '64', lr: '1e-3', lrSchedule: 'cosine', warmupSteps: '10', minLr: '1e-5', beta1: '0.95', beta2: '0.98', wd: '0.1',
    wdExclude: '*bias, logits/*', clip: '1.5', seed: '9', evalEvery: '0', evalBatch: '100', checkpointEvery: '20', batchAccuracy: true,
    backend: 'cpu', timeoutMs: '5000', out: 'runs/x', json: true,
  }, file({ lr: 0.5, steps: 100, nproc: 8, sync: 'lion' }));
  const c = inv.config;
  assert.deepEqual(
    [c.workload, c.workloadOptions, c.sync, c.momentumSync, c.steps, c.epochs, c.batchSize, c.lr, c.lrSchedule, c.warmupSteps, c.minLr, c.beta1, c.beta2],
    ['synthetic', { numParams: 500 }, 'lion-bf16', 'every:5@bf16', null, 3, 64, 1e-3, 'cosine', 10, 1e-5, 0.95, 0.98],
  );
  assert.deepEqual([c.weightDecay, c.weightDecayExclude, c.maxGradNorm, c.seed, c.evalEvery, c.evalBatchSize, c.checkpointEvery, c.batchAccuracy, c.backend, c.timeoutMs],
    [0.1, ['*bias', 'logits/*'], 1.5, 9, 0, 100, 20, true, 'cpu', 5000]);
  assert.equal(inv.nproc, 2);
  assert.ok(inv.outDir!.endsWith('/runs/x') && inv.outDir!.startsWith('/'));
  assert.equal(inv.json, true);
});

test('the config file supplies what the flags leave out, run keys included', () => {
  const inv = parseTrainInvocation({ config: 'run.json' }, file({ workload: 'synthetic', lr: 0.002, epochs: 2, nproc: 3, out: '/tmp/r', netem: '100mbit' }));
  assert.deepEqual([inv.config.workload, inv.config.lr, inv.config.epochs, inv.config.steps, inv.nproc, inv.nprocGiven, inv.outDir, inv.netem], ['synthetic', 0.002, 2, null, 3, true, '/tmp/r', '100mbit']);
});

test('bad flags are named', () => {
  fails({ lr: 'fast' }, '--lr');
  fails({ lr: '-1' }, '--lr');
  fails({ steps: '2.5' }, '--steps');
  fails({ steps: '0' }, '--steps');
  fails({ steps: '10', epochs: '2' }, '--epochs');
  fails({ batch: '0' }, '--batch');
  fails({ batch: '3' }, '--batch'); // fewer examples than the 4 default workers
  fails({ nproc: 'four' }, '--nproc');
  fails({ nproc: '0' }, '--nproc');
  fails({ workload: 'imagenet' }, '--workload');
  fails({ workloadOptions: '{hidden' }, '--workload-options');
  fails({ sync: 'gossip' }, '--sync');
  fails({ sync: 'lion:bits=4' }, '--sync');
  fails({ momentumSync: 'sometimes' }, '--momentum-sync');
  fails({ beta1: '1' }, '--beta1');
  fails({ minLr: '1', lr: '0.1' }, '--min-lr');
  fails({ clip: '0' }, '--clip');
  fails({ seed: 'x' }, '--seed');
  fails({ netem: 'fast' }, '--netem');
  fails({ resume: true }, '--resume');
  fails({ checkpointEvery: '10' }, '--checkpoint-every');
  fails({ lrSchedule: 'step' }, '--lr-schedule');
});

test('config file problems name the file and the key', () => {
  fails({ config: 'missing.json' }, '--config');
  fails({ config: 'bad.json' }, '--config', () => '{ not json');
  fails({ config: 'list.json' }, '--config', file([1, 2]));
  fails({ config: 'run.json' }, 'run.json: learningRate', file({ learningRate: 1 }));
  fails({ config: 'run.json' }, 'run.json: lr', file({ lr: 'fast' }));
  fails({ config: 'run.json' }, 'run.json: nproc', file({ nproc: 'x' }));
});
