// The data position a trainer records in its checkpoints, the check a resume makes of it, and version 1 files without it.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../tfjs/backend.js';
import { DistributedSampler } from '../workloads/sharding.js';
import { CheckpointError } from './checkpoint-errors.js';
import { encodeCheckpoint, type CheckpointHeader } from './checkpoint-format.js';
import { checkpointDir, checkpointFileName, loadCheckpoint, readCheckpointHeader } from './checkpoint-store.js';
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

/** Rewrites a checkpoint as format version 1 wrote it: no `data` in the header, version word 1. */
async function downgradeToVersion1(path: string): Promise<void> {
  const { header, params, momentum } = await loadCheckpoint(path);
  const { sections: _sections, byteOrder: _byteOrder, data: _data, ...meta } = header;
  const { chunks } = encodeCheckpoint(meta, { params, momentum });
  const bytes = Buffer.concat(chunks);
  bytes.writeUInt32LE(1, 8);
  await writeFile(path, bytes);
}

test('version 1 checkpoints (no data position) resume exactly on the same world size, and on another one', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lion-cub-position-'));
  const run = (worldSize: number, steps: number, dir: string, resume: boolean) => withRanks(worldSize, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ steps, checkpointEvery: 3 }), group, outDir: dir, resume });
    try { await trainer.run(); return trainer.params(); } finally { trainer.dispose(); }
  });
  try {
    await run(2, 3, join(out, 'split'), false);
    for (const r of [0, 1]) await downgradeToVersion1(join(checkpointDir(join(out, 'split')), checkpointFileName(3, r)));
    assert.equal((await readCheckpointHeader(join(checkpointDir(join(out, 'split')), checkpointFileName(3, 0)))).data, undefined);
    const resumed = await run(2, 6, join(out, 'split'), true);
    assert.deepEqual(resumed, await run(2, 6, join(out, 'whole'), false));
    for (const r of [0, 1]) await downgradeToVersion1(join(checkpointDir(join(out, 'split')), checkpointFileName(6, r)));
    assert.equal((await run(3, 8, join(out, 'split'), true)).length, 3);
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
