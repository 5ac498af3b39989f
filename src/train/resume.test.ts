// Tests of resuming: interrupted-then-resumed equals uninterrupted for every strategy; mid-save crashes; mismatch, corrupt, missing, existing.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strategyNames } from '../sync/registry.js';
import { initBackend } from '../tfjs/backend.js';
import { CheckpointError } from './checkpoint-errors.js';
import { checkpointDir, checkpointFileName, listCheckpointSteps } from './checkpoint-store.js';
import type { TrainConfig } from './config.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';
import { Trainer } from './trainer.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lion-cub-resume-'));
}

/** Damages a checkpoint's payload: its checksum no longer matches. */
async function flipLastByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  bytes[bytes.length - 1] ^= 1;
  await writeFile(file, bytes);
}

interface RankState { params: Float32Array; momentum: Float32Array; step: number; resumedFrom: string | null }

/** Runs `config` on `worldSize` in-process ranks; returns each rank's final state. */
function train(worldSize: number, config: TrainConfig, outDir: string | null, resume = false, onWarning?: (message: string, rank: number) => void): Promise<RankState[]> {
  return withRanks(worldSize, async (group) => {
    const trainer = await Trainer.create({ config, group, outDir, resume, onWarning: onWarning && ((message) => onWarning(message, group.rank)) });
    let resumedFrom: string | null = null;
    trainer.on('start', (e) => { resumedFrom = e.resumedFrom; });
    try {
      await trainer.run();
      return { params: trainer.params(), momentum: trainer.momentum(), step: trainer.step, resumedFrom };
    } finally {
      trainer.dispose();
    }
  });
}

// Every registered strategy must resume exactly: its only cross-step state is Lion's (parameters, momentum, step).
// Stochastic quantisation draws from (seed, rank, step) streams, so it must resume exactly too.
const specs = [...strategyNames(), ...(strategyNames().includes('cub-pbit') ? ['cub-pbit:quant=stochastic'] : [])];
for (const sync of specs) {
  test(`${sync}: a run interrupted at step 3 and resumed equals the uninterrupted run (2 ranks)`, async () => {
    const out = await tempDir();
    try {
      const base = { sync, momentumSync: 'none', checkpointEvery: 2, weightDecay: 0.05 };
      const whole = await train(2, tinyConfig({ ...base, steps: 7 }), join(out, 'whole'));
      await train(2, tinyConfig({ ...base, steps: 3 }), join(out, 'split'));
      const resumed = await train(2, tinyConfig({ ...base, steps: 7 }), join(out, 'split'), true);
      for (let r = 0; r < 2; r++) {
        assert.equal(resumed[r].resumedFrom, join(checkpointDir(join(out, 'split')), checkpointFileName(3, r)));
        assert.equal(resumed[r].step, 7);
        assert.deepEqual(resumed[r].params, whole[r].params, `rank ${r} parameters`);
        assert.deepEqual(resumed[r].momentum, whole[r].momentum, `rank ${r} momentum`);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
}

test('momentum sync on a schedule also resumes exactly', async () => {
  const out = await tempDir();
  try {
    const base = { sync: 'noop', momentumSync: 'schedule:1', checkpointEvery: 1 };
    const whole = await train(2, tinyConfig({ ...base, steps: 9 }), join(out, 'whole'));
    await train(2, tinyConfig({ ...base, steps: 4 }), join(out, 'split'));
    const resumed = await train(2, tinyConfig({ ...base, steps: 9 }), join(out, 'split'), true);
    for (let r = 0; r < 2; r++) assert.deepEqual(resumed[r].momentum, whole[r].momentum);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a crash mid-save leaves ranks one checkpoint apart: resume takes the newest step all ranks hold', async () => {
  const out = await tempDir();
  try {
    const config = tinyConfig({ checkpointEvery: 1, steps: 3 });
    await train(2, config, out);
    const dir = checkpointDir(out);
    // Rank 1 died before renaming its step-3 file: it still has steps 1 and 2 (keep-two), and a stray .tmp.
    await rm(join(dir, checkpointFileName(3, 1)));
    await writeFile(join(dir, `${checkpointFileName(3, 1)}.tmp`), 'partial');
    const resumed = await train(2, tinyConfig({ checkpointEvery: 1, steps: 5 }), out, true);
    assert.deepEqual(resumed.map((r) => r.resumedFrom), [0, 1].map((r) => join(dir, checkpointFileName(2, r))));
    const whole = await train(2, tinyConfig({ checkpointEvery: 1, steps: 5 }), join(out, 'whole'));
    assert.deepEqual(resumed[0].params, whole[0].params);
    assert.deepEqual(await listCheckpointSteps(dir, 1), [4, 5]);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a damaged newest checkpoint on one rank moves every rank back to the newest step all hold intact, with a warning naming it', async () => {
  const out = await tempDir();
  try {
    await train(2, tinyConfig({ checkpointEvery: 1, steps: 3 }), out);
    const dir = checkpointDir(out);
    const damaged = join(dir, checkpointFileName(3, 1));
    await flipLastByte(damaged);
    const warnings: Array<{ rank: number; message: string }> = [];
    const resumed = await train(2, tinyConfig({ checkpointEvery: 1, steps: 5 }), out, true, (message, rank) => warnings.push({ rank, message }));
    assert.deepEqual(resumed.map((r) => r.resumedFrom), [0, 1].map((r) => join(dir, checkpointFileName(2, r))));
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0].rank, 1);
    assert.ok(warnings[0].message.startsWith(`${damaged}: `), warnings[0].message);
    assert.match(warnings[0].message, /every rank resumes from step 2/);
    const whole = await train(2, tinyConfig({ checkpointEvery: 1, steps: 5 }), join(out, 'whole'));
    for (let r = 0; r < 2; r++) assert.deepEqual(resumed[r].params, whole[r].params, `rank ${r} parameters`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('when every common step is damaged somewhere, resume fails with checkpoint_corrupt on every rank', async () => {
  const out = await tempDir();
  try {
    await train(2, tinyConfig({ checkpointEvery: 1, steps: 3 }), out);
    const dir = checkpointDir(out);
    for (const [step, rank] of [[3, 1], [2, 0]]) {
      const file = join(dir, checkpointFileName(step, rank));
      await flipLastByte(file);
    }
    await assert.rejects(train(2, tinyConfig({ checkpointEvery: 1, steps: 5 }), out, true), { code: 'checkpoint_corrupt' });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('resuming from another configuration or strategy fails with checkpoint_mismatch naming the file and fields, also on another world size', async () => {
  const out = await tempDir();
  try {
    await train(2, tinyConfig({ steps: 2 }), out);
    const file0 = join(checkpointDir(out), checkpointFileName(2, 0));
    await assert.rejects(train(2, tinyConfig({ steps: 4, lr: 0.02, sync: 'lion-bf16' }), out, true), (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.equal(e.code, 'checkpoint_mismatch');
      assert.ok(e.message.includes(file0) || e.message.includes(checkpointFileName(2, 1)), e.message);
      assert.deepEqual(e.differences.map((d) => d.field), ['lr', 'sync']);
      assert.match(e.message, /sync: the checkpoint has "lion", this run "lion-bf16"/);
      return true;
    });
    // Another world size alone is an elastic resume (elastic-resume.test.ts); with it, other fields are still refused.
    await assert.rejects(train(1, tinyConfig({ steps: 4, lr: 0.02 }), out, true), (e: unknown) => {
      assert.ok(e instanceof CheckpointError && e.code === 'checkpoint_mismatch' && e.path === file0);
      assert.deepEqual(e.differences.map((d) => d.field), ['lr']);
      return true;
    });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a damaged checkpoint is an error naming it, never a silent restart', async () => {
  const out = await tempDir();
  try {
    await train(1, tinyConfig({ steps: 2 }), out);
    const file = join(checkpointDir(out), checkpointFileName(2, 0));
    await flipLastByte(file);
    await assert.rejects(train(1, tinyConfig({ steps: 4 }), out, true), { code: 'checkpoint_corrupt', message: new RegExp(`${file}: sha256 mismatch`) });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('--resume without checkpoints, and a fresh run into a used directory, are refused', async () => {
  const out = await tempDir();
  try {
    await assert.rejects(train(2, tinyConfig(), out, true), { code: 'checkpoint_missing' });
    await train(1, tinyConfig({ steps: 1 }), out);
    await assert.rejects(train(1, tinyConfig({ steps: 1 }), out), { code: 'checkpoint_exists' });
    // Rank 1 holds nothing: it is a new rank, not a reason to refuse (the job resumes elastically on 2 ranks).
    assert.deepEqual((await train(2, tinyConfig({ steps: 3 }), out, true)).map((r) => [r.step, r.resumedFrom === null]), [[3, false], [3, true]]);
    await assert.rejects(train(1, tinyConfig(), null, true), { code: 'invalid_argument' });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
