// Resuming on another number of ranks (in-process): parameters from the checkpoint on every rank, the momentum
// rule (mean of the saved momenta, exact when they are identical), ranks without files, and refusals on every rank.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../tfjs/backend.js';
import { CheckpointError } from './checkpoint-errors.js';
import { checkpointDir, checkpointFileName, loadCheckpoint } from './checkpoint-store.js';
import type { TrainConfig } from './config.js';
import type { ElasticResumeEvent } from './events.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';
import { Trainer } from './trainer.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

interface Resumed { params: Float32Array; momentum: Float32Array; step: number; startParams: Float32Array; startMomentum: Float32Array; elastic: ElasticResumeEvent | null }

/** Runs `config` on `worldSize` in-process ranks; returns each rank's state at the start (after restoring) and the end. */
function train(worldSize: number, config: TrainConfig, outDir: string, resume = false, onWarning?: (message: string) => void): Promise<Resumed[]> {
  return withRanks(worldSize, async (group) => {
    const trainer = await Trainer.create({ config, group, outDir, resume, onWarning });
    let elastic: ElasticResumeEvent | null = null;
    trainer.on('elastic-resume', (e) => { elastic = e; });
    const startParams = trainer.params();
    const startMomentum = trainer.momentum();
    try {
      await trainer.run();
      return { params: trainer.params(), momentum: trainer.momentum(), step: trainer.step, startParams, startMomentum, elastic };
    } finally {
      trainer.dispose();
    }
  });
}

/** Runs `body` with a fresh temporary directory, removed afterwards. */
async function inTempDir(body: (out: string) => Promise<void>): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'lion-cub-elastic-'));
  try {
    await body(out);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function saved(out: string, step: number, rank: number): Promise<{ params: Float32Array; momentum: Float32Array }> {
  return loadCheckpoint(join(checkpointDir(out), checkpointFileName(step, rank)));
}

/** The saved momenta's mean, in float64 (the rule's value up to float32 summation order). */
function meanOf(momenta: Float32Array[]): Float64Array {
  const mean = new Float64Array(momenta[0].length);
  for (const m of momenta) m.forEach((v, i) => { mean[i] += v / momenta.length; });
  return mean;
}

function assertClose(actual: Float32Array, expected: Float64Array, what: string): void {
  const scale = Math.max(...Array.from(expected, Math.abs));
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-6 * scale, `${what}[${i}]: ${v} vs ${expected[i]}`));
}

// B = 24 (divisible by 4 and 3), 256 examples: 10 steps per epoch.
const config = (steps: number, sync = 'cub-1bit') => tinyConfig({ sync, batchSize: 24, steps, checkpointEvery: 3 });

test('4 → 3 → 4: every rank starts from the checkpoint\'s parameters and the mean of the saved momenta, then trains on', () => inTempDir(async (out) => {
  await train(4, config(7), out);
  const before = await Promise.all([0, 1, 2, 3].map((r) => saved(out, 7, r)));
  assert.notDeepEqual(before[0].momentum, before[1].momentum, 'cub-1bit ranks keep different momenta, so the rule matters');

  const three = await train(3, config(13), out, true);
  const expected = meanOf(before.map((b) => b.momentum));
  for (const [r, rank] of three.entries()) {
    assert.deepEqual(rank.startParams, before[0].params, `rank ${r}: parameters of the checkpoint`);
    assertClose(rank.startMomentum, expected, `rank ${r} momentum`);
    assert.deepEqual(rank.startMomentum, three[0].startMomentum, 'every rank gets the same momentum');
    assert.equal(rank.step, 13);
    assert.deepEqual(rank.elastic, {
      type: 'elastic-resume', step: 7, fromWorldSize: 4, toWorldSize: 3, paramsFrom: 0, ranksWithoutCheckpoint: [],
      momentumRule: 'mean-of-saved', momentaFrom: [0, 1, 2, 3], momentaIdentical: false, globalBatchSize: 24, localBatchSize: 8,
    });
  }

  // Back to 4: rank 3's files are from the 4-rank world at steps 6 and 7, older than the 3-rank world's 12 and 13.
  const middle = await Promise.all([0, 1, 2].map((r) => saved(out, 13, r)));
  const four = await train(4, config(16), out, true);
  for (const rank of four) {
    assert.deepEqual(rank.startParams, middle[0].params);
    assertClose(rank.startMomentum, meanOf(middle.map((m) => m.momentum)), 'momentum');
    assert.equal(rank.step, 16);
    assert.deepEqual([rank.elastic?.fromWorldSize, rank.elastic?.ranksWithoutCheckpoint, rank.elastic?.momentaFrom, rank.elastic?.localBatchSize], [3, [3], [0, 1, 2], 6]);
  }
  for (const rank of four) assert.deepEqual(rank.params, four[0].params, 'the ranks stay in step after the resume');
}));

test('lion: the saved momenta are identical, so every new rank gets that momentum exactly', () => inTempDir(async (out) => {
  await train(2, config(3, 'lion'), out);
  const old = await saved(out, 3, 0);
  assert.deepEqual((await saved(out, 3, 1)).momentum, old.momentum);
  const three = await train(3, config(5, 'lion'), out, true);
  for (const rank of three) {
    assert.deepEqual(rank.startMomentum, old.momentum);
    assert.deepEqual(rank.startParams, old.params);
    assert.deepEqual([rank.elastic?.momentaIdentical, rank.elastic?.momentaFrom, rank.elastic?.ranksWithoutCheckpoint], [true, [0, 1], [2]]);
  }
}));

test('a rank that lost its files (a replaced node) takes parameters from the lowest holder; the others are not blocked', () => inTempDir(async (out) => {
  await train(3, config(6), out);
  const dir = checkpointDir(out);
  for (const step of [3, 6]) await rm(join(dir, checkpointFileName(step, 0)));
  const old = await Promise.all([1, 2].map((r) => saved(out, 6, r)));
  const resumed = await train(3, config(8), out, true);
  for (const rank of resumed) {
    assert.deepEqual(rank.startParams, old[0].params);
    assertClose(rank.startMomentum, meanOf(old.map((o) => o.momentum)), 'momentum');
    assert.deepEqual([rank.elastic?.fromWorldSize, rank.elastic?.toWorldSize, rank.elastic?.paramsFrom, rank.elastic?.ranksWithoutCheckpoint, rank.elastic?.momentaFrom], [3, 3, 1, [0], [1, 2]]);
  }
}));

test('a damaged file of an old rank no new rank replaces is left out of the mean, with a warning', () => inTempDir(async (out) => {
  await train(3, config(3), out);
  const damaged = join(checkpointDir(out), checkpointFileName(3, 2));
  const bytes = await readFile(damaged);
  bytes[bytes.length - 1] ^= 1;
  await writeFile(damaged, bytes);
  const warnings: string[] = [];
  const old = await Promise.all([0, 1].map((r) => saved(out, 3, r)));
  const resumed = await train(2, config(4), out, true, (m) => warnings.push(m));
  for (const rank of resumed) {
    assertClose(rank.startMomentum, meanOf(old.map((o) => o.momentum)), 'momentum');
    assert.deepEqual(rank.elastic?.momentaFrom, [0, 1]);
  }
  assert.ok(warnings.length >= 1 && warnings.every((w) => w.startsWith(`${damaged}: sha256 mismatch`) && w.endsWith('its momentum is left out of the mean')), JSON.stringify(warnings));
}));

test('on another world size, a checkpoint of another configuration is refused on every rank, naming the field', () => inTempDir(async (out) => {
  await train(2, config(3), out);
  const errors: unknown[] = [];
  await assert.rejects(withRanks(3, async (group) => {
    try {
      return await Trainer.create({ config: tinyConfig({ sync: 'cub-1bit', batchSize: 24, steps: 6, checkpointEvery: 3, beta1: 0.8 }), group, outDir: out, resume: true });
    } catch (error) {
      errors.push(error);
      throw error;
    }
  }));
  assert.equal(errors.length, 3, 'every rank fails, none waits');
  for (const e of errors) assert.ok(e instanceof CheckpointError && e.code === 'checkpoint_mismatch', String(e));
  const own = errors.find((e) => (e as CheckpointError).differences.length > 0) as CheckpointError;
  assert.deepEqual(own.differences.map((d) => d.field), ['beta1']);
  assert.ok(errors.some((e) => /rank 0 cannot use its checkpoint of step 3/.test((e as Error).message)));
}));
