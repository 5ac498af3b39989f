// The early resume check (before any worker starts): steps back over a damaged header like the workers do, accepts another world size.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../tfjs/backend.js';
import { CheckpointError } from './checkpoint-errors.js';
import { checkpointDir, checkpointFileName } from './checkpoint-store.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';
import { Trainer } from './trainer.js';
import { preflightCheckpoints } from './checkpoint-preflight.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A 2-rank run of 4 steps with checkpoints at steps 2 and 4 in `out`. */
async function trainFourSteps(out: string): Promise<void> {
  await withRanks(2, async (group) => {
    const trainer = await Trainer.create({ config: tinyConfig({ checkpointEvery: 2, steps: 4 }), group, outDir: out });
    try { await trainer.run(); } finally { trainer.dispose(); }
  });
}

async function damageHeader(path: string): Promise<void> {
  const bytes = await readFile(path);
  bytes.fill(0x7b, 0, 8); // the magic is gone: the header cannot be read
  await writeFile(path, bytes);
}

test('a damaged newest header on one rank falls back to the common older step; none left is checkpoint_corrupt', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lion-cub-preflight-'));
  try {
    await trainFourSteps(out);
    const dir = checkpointDir(out);
    const resumed = tinyConfig({ checkpointEvery: 2, steps: 6 });
    await damageHeader(join(dir, checkpointFileName(4, 1)));
    await preflightCheckpoints(resumed, out, true, 2);
    await damageHeader(join(dir, checkpointFileName(2, 0)));
    await assert.rejects(preflightCheckpoints(resumed, out, true, 2), { code: 'checkpoint_corrupt' });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('another number of workers passes the early check (an elastic resume); another setting with it is refused, naming it', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lion-cub-preflight-'));
  try {
    await trainFourSteps(out);
    const resumed = tinyConfig({ checkpointEvery: 2, steps: 6 });
    for (const worldSize of [1, 3, 4]) await preflightCheckpoints(resumed, out, true, worldSize);
    await assert.rejects(preflightCheckpoints({ ...resumed, beta2: 0.9 }, out, true, 3), (e: unknown) => {
      assert.ok(e instanceof CheckpointError && e.code === 'checkpoint_mismatch');
      assert.deepEqual(e.differences.map((d) => d.field), ['beta2']);
      return true;
    });
    await assert.rejects(preflightCheckpoints(resumed, join(out, 'empty'), true, 3), { code: 'checkpoint_missing' });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
