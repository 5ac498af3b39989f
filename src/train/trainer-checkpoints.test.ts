// The data position a trainer records in its checkpoints, and the check a resume makes of it.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../tfjs/backend.js';
import { DistributedSampler } from '../workloads/sharding.js';
import { CheckpointError } from './checkpoint-errors.js';
import type { CheckpointHeader } from './checkpoint-format.js';
import { checkpointDir, checkpointFileName, readCheckpointHeader } from './checkpoint-store.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';
import { checkDataPosition } from './resume.js';
import { Trainer } from './trainer.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

test('a trainer checkpoint records the whole job\'s data position, the same on every rank', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lion-cub-position-'));
  try {
    // 256 examples, B = 16: 16 steps per epoch; step 19 is epoch 1 with 3 batches (48 examples) consumed.
    await withRanks(2, async (group) => {
      const trainer = await Trainer.create({ config: tinyConfig({ steps: 19 }), group, outDir: out });
      try { await trainer.run(); } finally { trainer.dispose(); }
    });
    const headers = await Promise.all([0, 1].map((r) => readCheckpointHeader(join(checkpointDir(out), checkpointFileName(19, r)))));
    for (const h of headers) {
      assert.deepEqual({ epoch: h.data?.epoch, consumed: h.data?.examplesConsumed, batch: h.data?.globalBatchSize, n: h.data?.numExamples }, { epoch: 1, consumed: 48, batch: 16, n: 256 });
      assert.match(h.data?.orderSha256 ?? '', /^[0-9a-f]{16}$/);
    }
    assert.deepEqual(headers[0].data, headers[1].data);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a recorded position from other data is checkpoint_mismatch naming data.<field>; one off its step is corrupt', () => {
  const sampler = new DistributedSampler({ numExamples: 100, globalBatchSize: 12, worldSize: 3, rank: 0, seed: 3 });
  const header = (data: CheckpointHeader['data'], step = 10) => ({ step, data }) as CheckpointHeader;
  const good = new DistributedSampler({ numExamples: 100, globalBatchSize: 12, worldSize: 4, rank: 2, seed: 3 }).dataPosition(10);
  checkDataPosition({ sampler }, 'f', header(good));
  checkDataPosition({ sampler }, 'f', header(undefined)); // version 1: placed by its step
  assert.throws(() => checkDataPosition({ sampler }, 'f', header({ ...good, seed: 4 })), (e: unknown) => {
    assert.ok(e instanceof CheckpointError && e.code === 'checkpoint_mismatch');
    assert.deepEqual(e.differences.map((d) => d.field), ['data.seed']);
    assert.match(e.message, /^f: written by a run that read other data: data\.seed: the checkpoint has 4, this run 3/);
    return true;
  });
  assert.throws(() => checkDataPosition({ sampler }, 'f', header({ ...good, numExamples: 99 })), { code: 'checkpoint_mismatch', message: /data\.numExamples/ });
  assert.throws(() => checkDataPosition({ sampler }, 'f', header(good, 11)), { code: 'checkpoint_corrupt', message: /header says step 11/ });
});
