// The early resume check (before any worker starts) steps back over a checkpoint whose header is damaged, like the workers do.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../tfjs/backend.js';
import { checkpointDir, checkpointFileName } from './checkpoint-store.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';
import { Trainer } from './trainer.js';
import { preflightCheckpoints } from './checkpoint-preflight.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

async function damageHeader(path: string): Promise<void> {
  const bytes = await readFile(path);
  bytes.fill(0x7b, 0, 8); // the magic is gone: the header cannot be read
  await writeFile(path, bytes);
}

test('a damaged newest header on one rank falls back to the common older step; none left is checkpoint_corrupt', async () => {
  const out = await mkdtemp(join(tmpdir(), 'lion-cub-preflight-'));
  try {
    await withRanks(2, async (group) => {
      const trainer = await Trainer.create({ config: tinyConfig({ checkpointEvery: 2, steps: 4 }), group, outDir: out });
      try { await trainer.run(); } finally { trainer.dispose(); }
    });
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
