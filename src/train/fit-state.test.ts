// The fit path keeps its state: timing per batch, getWeights/setWeights through model.save + file://, and a
// run directory that resumes fit bit-exactly at 1 and 4 ranks.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../tfjs/backend.js';
import { tf } from '../tfjs/tf.js';
import '../tfjs/index.js';
import type { ProcessGroup } from '../comm/process-group.js';
import { CheckpointError } from './checkpoint-errors.js';
import { checkpointDir, checkpointFileName } from './checkpoint-store.js';
import type { TrainConfig } from './config.js';
import { createFitOptimizer, type FitStepInfo } from './fit-optimizer.js';
import { restoreFitState, saveFitState } from './fit-state.js';
import { SavedLionState } from './fit-weights.js';
import { fitSteps, samplerOf, withFitModel } from './test-support/fit-models.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Counts `group`'s allgather calls from now on. */
function countAllgathers(group: ProcessGroup): () => number {
  let calls = 0;
  const allgather = group.allgather.bind(group);
  group.allgather = ((...args: Parameters<ProcessGroup['allgather']>) => { calls++; return allgather(...args); }) as ProcessGroup['allgather'];
  return () => calls;
}

/** Final parameters of an uninterrupted run, and of one saved at `stopAt`, rebuilt from another init, restored and finished. */
async function resumedVersusStraight(worldSize: number, config: TrainConfig, stopAt: number): Promise<void> {
  const straight = await withRanks(worldSize, (group) => withFitModel(config, group, async (model, opt) => {
    await fitSteps(config, model, opt, 0);
    return { params: opt.synced.params.slice(), momentum: opt.synced.momentum.slice() };
  }));
  const runDir = mkdtempSync(join(tmpdir(), 'fit-state-'));
  try {
    await withRanks(worldSize, (group) => withFitModel({ ...config, steps: stopAt }, group, async (model, opt) => {
      assert.equal(await restoreFitState(opt, runDir), null, 'an empty run directory is a fresh start');
      opt.onStep(async (info) => { if (info.step % 2 === 0) await saveFitState(opt, runDir); });
      await fitSteps({ ...config, steps: stopAt }, model, opt, 0);
    }));
    const resumed = await withRanks(worldSize, (group) => withFitModel(config, group, async (model, opt) => {
      const sampler = samplerOf(config, group, 256);
      const allgathers = countAllgathers(opt.group);
      const restored = await restoreFitState(opt, runDir, { sampler });
      assert.equal(allgathers(), worldSize > 1 ? 1 : 0, 'the ranks agree on the step in one allgather');
      assert.equal(restored?.step, stopAt);
      assert.deepEqual({ epoch: restored?.epoch, stepInEpoch: restored?.stepInEpoch }, { epoch: Math.floor(stopAt / sampler.stepsPerEpoch), stepInEpoch: stopAt % sampler.stepsPerEpoch });
      await fitSteps(config, model, opt, restored!.step);
      return { params: opt.synced.params.slice(), momentum: opt.synced.momentum.slice() };
    }, config.seed + 99));
    for (let r = 0; r < worldSize; r++) {
      assert.deepEqual(resumed[r].params, straight[r].params, `rank ${r} parameters`);
      assert.deepEqual(resumed[r].momentum, straight[r].momentum, `rank ${r} momentum`);
    }
    if (worldSize > 1) assert.notDeepEqual(straight[0].momentum, straight[1].momentum, 'the ranks\' momenta differ, so each rank\'s own is needed');
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

test('fit resumed from saveFitState/restoreFitState equals the uninterrupted run, 1 rank', async () => {
  await resumedVersusStraight(1, tinyConfig({ steps: 6, weightDecay: 0.1 }), 4);
});

test('fit resumed from saveFitState/restoreFitState equals the uninterrupted run, 4 ranks with cub-pbit', async () => {
  await resumedVersusStraight(4, tinyConfig({ steps: 6, sync: 'cub-pbit', batchSize: 32 }), 4);
});

test('restoring a run directory of another run names what differs', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'fit-state-'));
  try {
    await withRanks(1, (group) => withFitModel(tinyConfig({ steps: 2 }), group, async (model, opt) => {
      await fitSteps(tinyConfig({ steps: 2 }), model, opt, 0);
      await saveFitState(opt, runDir);
    }));
    await withRanks(1, (group) => withFitModel(tinyConfig({ steps: 2, sync: 'lion-bf16' }), group, async (_model, opt) => {
      await assert.rejects(restoreFitState(opt, runDir), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint_mismatch' && e.message.includes('sync'));
    }));
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});

test('ranks holding checkpoints of no common step are refused; a directory nobody saved in is a fresh start', async () => {
  const config = tinyConfig({ steps: 4, batchSize: 16 });
  const runDir = mkdtempSync(join(tmpdir(), 'fit-state-'));
  try {
    await withRanks(2, (group) => withFitModel(config, group, async (model, opt) => {
      opt.onStep(async (info) => { if (info.step % 2 === 0) await saveFitState(opt, runDir); });
      await fitSteps(config, model, opt, 0);
    }));
    // Rank 0 keeps only step 2, rank 1 only step 4.
    rmSync(join(checkpointDir(runDir), checkpointFileName(4, 0)));
    rmSync(join(checkpointDir(runDir), checkpointFileName(2, 1)));
    const outcomes = await withRanks(2, (group) => withFitModel(config, group, (_model, opt) => restoreFitState(opt, runDir).then(() => null, (e: unknown) => e)));
    for (const e of outcomes) {
      assert.ok(e instanceof CheckpointError && e.code === 'checkpoint_missing' && /no checkpoint step in common \(rank 0: 2; rank 1: 4\)/.test(e.message), String(e));
    }
    const fresh = mkdtempSync(join(tmpdir(), 'fit-state-'));
    try {
      assert.deepEqual(await withRanks(2, (group) => withFitModel(config, group, (_model, opt) => restoreFitState(opt, fresh))), [null, null]);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});

test('model.save with includeOptimizer stores step and momentum; a loaded model hands them to a new optimizer', async () => {
  const config = tinyConfig({ steps: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'fit-save-'));
  try {
    const saved = await withRanks(1, (group) => withFitModel(config, group, async (model, opt) => {
      const infos: FitStepInfo[] = [];
      opt.onStep((info) => { infos.push(info); });
      await fitSteps(config, model, opt, 0);
      assert.equal(infos.length, 3);
      for (const info of infos) {
        assert.ok(info.computeMs > 0 && info.syncMs >= 0 && info.stepMs >= info.syncMs, JSON.stringify(info));
      }
      // tfjs can serialise only named losses.
      model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
      await model.save(`file://${dir}`, { includeOptimizer: true });
      return { params: opt.synced.params.slice(), momentum: opt.synced.momentum.slice(), config: opt.getConfig() };
    }));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.equal(json.trainingConfig.optimizer_config.class_name, 'LionCubDistributedLion');
    assert.equal(json.trainingConfig.optimizer_config.config.sync, 'lion');
    assert.ok(json.weightsManifest[0].weights.some((w: { name: string; group?: string }) => w.name === 'iter' && w.group === 'optimizer'));

    const tensorsBeforeLoad = tf.memory().numTensors;
    const loaded = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
    assert.ok(loaded.optimizer instanceof SavedLionState);
    assert.throws(() => loaded.optimizer.applyGradients({}), { code: 'fit_optimizer_missing' });
    await withRanks(1, async (group) => {
      const opt = await createFitOptimizer({ model: loaded, group, sync: 'lion', lion: { lr: 1e-2 } });
      await opt.setWeights(await loaded.optimizer.getWeights());
      assert.equal(opt.synced.step, 3);
      assert.deepEqual(opt.synced.momentum, saved[0].momentum);
      assert.deepEqual(opt.synced.params, saved[0].params);
      await assert.rejects(opt.setWeights([]), { code: 'invalid_argument' });
      const savedState = loaded.optimizer as SavedLionState;
      loaded.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
      assert.equal(savedState.heldTensors, 0, 'recompiling released the loaded optimizer state');
      opt.dispose();
    });
    loaded.dispose();
    assert.equal(tf.memory().numTensors, tensorsBeforeLoad, 'nothing of the loaded model and its optimizer state is left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
