// A model.fit run resumed from saveFitState on another number of ranks: 2 → 3 → 1 → 2 ranks under cub-pbit, with
// the agreed step, parameters of the lowest holder, momentum = mean of the saved momenta, the data re-sharded by
// the sampler, and files left behind by the shrink ignored; a foreign configuration is still refused.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../tfjs/backend.js';
import { CheckpointError } from './checkpoint-errors.js';
import { checkpointDir } from './checkpoint-store.js';
import type { TrainConfig } from './config.js';
import type { ElasticResumeEvent } from './events.js';
import type { DistributedLionOptimizer } from './fit-optimizer.js';
import { restoreFitState, saveFitState, type RestoredFitState } from './fit-state.js';
import { fitSteps, samplerOf, withFitModel } from './test-support/fit-models.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

const NUM_EXAMPLES = 256;

interface Leg {
  restored: RestoredFitState | null;
  /** Parameters and momentum right after restoreFitState. */
  atRestore: { params: Float32Array; momentum: Float32Array };
  atEnd: { params: Float32Array; momentum: Float32Array; step: number };
  losses: number[];
  /** What restoreFitState reported through onEvent and log (log only when `captureLog`). */
  events: ElasticResumeEvent[];
  lines: string[];
}

/** On `worldSize` ranks: restores `runDir` (from another initialisation), fits to config.steps, saves at the last step. */
async function leg(worldSize: number, config: TrainConfig, runDir: string, captureLog = true): Promise<Leg[]> {
  return withRanks(worldSize, (group) => withFitModel(config, group, async (model, opt: DistributedLionOptimizer) => {
    const sampler = samplerOf(config, group, NUM_EXAMPLES);
    const events: ElasticResumeEvent[] = [];
    const lines: string[] = [];
    const restored = await restoreFitState(opt, runDir, { sampler, onEvent: (e) => events.push(e), log: captureLog ? (line) => lines.push(line) : undefined });
    const atRestore = { params: opt.synced.params.slice(), momentum: opt.synced.momentum.slice() };
    const losses: number[] = [];
    opt.onStep(async (info) => {
      if (info.loss !== null) losses.push(info.loss);
      if (info.step === config.steps) await saveFitState(opt, runDir, { sampler });
    });
    await fitSteps(config, model, opt, restored?.step ?? 0);
    return { restored, atRestore, atEnd: { params: opt.synced.params.slice(), momentum: opt.synced.momentum.slice(), step: opt.synced.step }, losses, events, lines };
  }, config.seed + 7 * worldSize));
}

function meanOf(momenta: Float32Array[]): Float64Array {
  const mean = new Float64Array(momenta[0].length);
  for (const m of momenta) m.forEach((v, i) => { mean[i] += v / momenta.length; });
  return mean;
}

function assertSameOnEveryRank(legs: Leg[], what: 'atRestore' | 'atEnd', field: 'params' | 'momentum'): void {
  for (let r = 1; r < legs.length; r++) assert.deepEqual(legs[r][what][field], legs[0][what][field], `rank ${r}'s ${field} (${what}) equal rank 0's`);
}

function assertMomentumIsMean(legs: Leg[], saved: Leg[]): void {
  const mean = meanOf(saved.map((l) => l.atEnd.momentum));
  const scale = Math.max(...mean.map(Math.abs));
  legs[0].atRestore.momentum.forEach((v, i) => assert.ok(Math.abs(v - mean[i]) <= 1e-6 * scale, `momentum[${i}] ${v} vs mean ${mean[i]}`));
}

test('a fit run saved on 2 ranks resumes on 3, then 1, then 2 ranks by the elastic rule', async () => {
  const base = tinyConfig({ sync: 'cub-pbit', batchSize: 24 });
  const runDir = mkdtempSync(join(tmpdir(), 'fit-elastic-'));
  try {
    const two = await leg(2, { ...base, steps: 4 }, runDir);
    assert.equal(two[0].restored, null, 'an empty run directory is a fresh start');
    assert.deepEqual(two.map((l) => [l.events.length, l.lines.length]), [[0, 0], [0, 0]], 'nothing to report on a fresh start');
    assert.notDeepEqual(two[0].atEnd.momentum, two[1].atEnd.momentum, 'cub-pbit ranks save different momenta');

    // 2 → 3: rank 2 holds nothing and does not block; params from rank 0; momentum the mean of the two saved.
    const three = await leg(3, { ...base, steps: 6 }, runDir);
    for (const l of three) {
      assert.equal(l.restored?.step, 4);
      assert.deepEqual(l.restored?.elastic && { ...l.restored.elastic, path: null }, {
        step: 4, fromWorldSize: 2, toWorldSize: 3, path: null, paramsFrom: 0, ranksWithoutCheckpoint: [2], momentaFrom: [0, 1], momentaIdentical: false,
      });
      assert.equal(l.restored?.data?.examplesConsumed, 4 * 24, 'the global data position: 4 global batches of 24');
    }
    assert.equal(three[2].restored?.path, null);
    // Reported as lion-cub train reports it: the elastic-resume record on every rank, and its line.
    for (const l of three) {
      assert.deepEqual(l.events, [{
        type: 'elastic-resume', step: 4, fromWorldSize: 2, toWorldSize: 3, paramsFrom: 0, ranksWithoutCheckpoint: [2],
        momentumRule: 'mean-of-saved', momentaFrom: [0, 1], momentaIdentical: false, globalBatchSize: 24, localBatchSize: 8,
      }]);
      assert.deepEqual(l.lines, ['world size changed 2 → 3 at step 4: parameters from rank 0\'s checkpoint; momentum of every rank = '
        + 'the mean of the 2 momenta saved by ranks 0, 1; global batch 24 kept, 8 examples per worker per step']);
    }
    assert.deepEqual(three[0].atRestore.params, two[0].atEnd.params, 'parameters of the lowest holder');
    assertSameOnEveryRank(three, 'atRestore', 'params');
    assertSameOnEveryRank(three, 'atRestore', 'momentum');
    assertMomentumIsMean(three, two);
    assert.ok(three.every((l) => l.atEnd.step === 6));
    assertSameOnEveryRank(three, 'atEnd', 'params');

    // 3 → 1: rank 0 reads the files of old ranks 1 and 2 too (a shared directory), so all three momenta count.
    // Without a log of its own, rank 0 prints the line to stderr.
    const stderrWrite = process.stderr.write;
    let stderr = '';
    process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
    let one: Leg[];
    try {
      one = await leg(1, { ...base, steps: 8 }, runDir, false);
    } finally {
      process.stderr.write = stderrWrite;
    }
    assert.deepEqual(stderr.split('\n').filter((line) => line.includes('world size changed')),
      ['lion-cub: world size changed 3 → 1 at step 6: parameters from rank 0\'s checkpoint; momentum of every rank = the mean of the 3 momenta saved by ranks 0, 1, 2; global batch 24 kept, 24 examples per worker per step']);
    assert.equal(one[0].restored?.step, 6);
    assert.deepEqual(one[0].restored?.elastic?.momentaFrom, [0, 1, 2]);
    assert.deepEqual(one[0].atRestore.params, three[0].atEnd.params);
    assertMomentumIsMean(one, three);
    assert.equal(one[0].atEnd.step, 8);

    // 1 → 2: rank 1's files of the 3-rank job are left over from the shrink; step 8 was written by a 1-rank job,
    // so they do not count (rank 1 ≥ its world size) and rank 1 resumes as a new rank.
    assert.ok(readdirSync(checkpointDir(runDir)).some((f) => f.endsWith('rank-1.ckpt')), 'the shrink left rank 1\'s files');
    const again = await leg(2, { ...base, steps: 14 }, runDir);
    for (const l of again) {
      assert.equal(l.restored?.step, 8);
      assert.deepEqual(l.restored?.elastic && { ...l.restored.elastic, path: null }, {
        step: 8, fromWorldSize: 1, toWorldSize: 2, path: null, paramsFrom: 0, ranksWithoutCheckpoint: [1], momentaFrom: [0], momentaIdentical: true,
      });
    }
    assert.deepEqual(again[1].atRestore.momentum, one[0].atEnd.momentum, 'a single saved momentum is copied exactly');
    assert.ok(again.every((l) => l.atEnd.step === 14));
    assertSameOnEveryRank(again, 'atEnd', 'params');
    // Training continued to learn across the changes: the last losses are below the first ones.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(again[0].losses.slice(-3)) < mean(two[0].losses.slice(0, 2)), `losses ${two[0].losses} … ${again[0].losses}`);
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});

test('a resume on another number of ranks still refuses another configuration or other data, naming the field', async () => {
  const config = tinyConfig({ sync: 'cub-pbit', batchSize: 24, steps: 2 });
  const runDir = mkdtempSync(join(tmpdir(), 'fit-elastic-'));
  try {
    await leg(2, config, runDir);
    // Every rank returns its error instead of throwing, so no rank closes the group while another still exchanges.
    const attempt = (changed: TrainConfig, globalBatch: number) => withRanks(3, (group) => withFitModel(changed, group, async (_model, opt) => {
      const sampler = samplerOf({ ...changed, batchSize: globalBatch }, group, NUM_EXAMPLES);
      return restoreFitState(opt, runDir, { sampler }).then(() => null, (e: unknown) => e);
    }));
    const foreignSync = await attempt({ ...config, sync: 'lion-bf16' }, 24);
    for (const [r, error] of foreignSync.entries()) assert.ok(error instanceof CheckpointError && error.code === 'checkpoint_mismatch', `rank ${r}: ${error}`);
    for (const error of foreignSync.slice(0, 2) as CheckpointError[]) {
      assert.deepEqual(error.differences.map((d) => d.field), ['sync'], 'only the strategy differs; the world size alone is no difference');
    }
    assert.match((foreignSync[2] as Error).message, /rank 0 cannot use its checkpoint/);

    const otherBatch = await attempt(config, 30);
    for (const error of otherBatch.slice(0, 2) as CheckpointError[]) {
      assert.ok(error instanceof CheckpointError && error.code === 'checkpoint_mismatch');
      assert.deepEqual(error.differences.map((d) => d.field), ['data.globalBatchSize']);
    }
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});
