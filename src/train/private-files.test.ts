// Run files in a directory others can write to: no planted symlink is followed, files are 0600 and directories 0700.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../tfjs/backend.js';
import { checkpointDir, checkpointFileName, loadCheckpoint, saveCheckpoint } from './checkpoint-store.js';
import type { CheckpointMeta } from './checkpoint-format.js';
import { runTrainingJob } from './job.js';
import { MetricsWriter } from './metrics.js';
import { writeFileAtomic } from './private-files.js';
import { tinyConfig } from './test-support/ranks.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A scratch directory holding a file that a planted symlink points at ("someone else's file"). */
async function withVictim(body: (dir: string, victim: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lion-cub-private-'));
  const victim = join(dir, 'victim.txt');
  await writeFile(victim, 'precious');
  try {
    await body(dir, victim);
    assert.equal(await readFile(victim, 'utf8'), 'precious', 'the file a planted symlink points at is untouched');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

const meta = (step: number): CheckpointMeta => ({
  rank: 0, worldSize: 1, step, epoch: 0, stepInEpoch: step, seed: 1, numParams: 3, strategy: 'lion',
  trajectory: { sync: 'lion' }, trajectoryHash: 'f'.repeat(64), createdAt: new Date(0).toISOString(),
});
const payload = { params: new Float32Array([1, 2, 3]), momentum: new Float32Array([4, 5, 6]) };

test('a checkpoint save does not follow a symlink planted at the old temp name; file 0600, directory 0700', async () => {
  await withVictim(async (root, victim) => {
    const dir = checkpointDir(join(root, 'run'));
    const path = join(dir, checkpointFileName(5, 0));
    await saveCheckpoint(dir, meta(4), payload);
    await symlink(victim, `${path}.tmp`);
    await saveCheckpoint(dir, meta(5), payload);
    assert.deepEqual((await loadCheckpoint(path)).params, payload.params);
    assert.equal(await modeOf(path), 0o600);
    assert.equal(await modeOf(dir), 0o700);
    // The stray link is cleared away like any leftover temp file of this rank (the link, not what it points at).
    assert.deepEqual((await readdir(dir)).sort(), [checkpointFileName(4, 0), checkpointFileName(5, 0)]);
  });
});

test('an atomic write replaces a symlink planted at the final name instead of writing through it', async () => {
  await withVictim(async (dir, victim) => {
    const path = join(dir, 'config.json');
    await symlink(victim, path);
    await writeFileAtomic(path, ['{"a":', Buffer.from('1}')]);
    assert.equal((await lstat(path)).isSymbolicLink(), false);
    assert.equal(await readFile(path, 'utf8'), '{"a":1}');
    assert.equal(await modeOf(path), 0o600);
    assert.deepEqual((await readdir(dir)).sort(), ['config.json', 'victim.txt'], 'no temp file is left behind');
  });
});

test('metrics.jsonl: a fresh run replaces a planted symlink, a resumed run refuses one; the file is 0600', async () => {
  await withVictim(async (dir, victim) => {
    const path = join(dir, 'metrics.jsonl');
    await symlink(victim, path);
    const fresh = new MetricsWriter(path, { append: false });
    fresh.write({ type: 'checkpoint', step: 1, path: 'x', byteLength: 1, saveMs: 1 });
    fresh.close();
    assert.equal((await lstat(path)).isSymbolicLink(), false);
    assert.equal(await modeOf(path), 0o600);
    assert.match(await readFile(path, 'utf8'), /^\{"type":"checkpoint"/);
    await rm(path);
    await symlink(victim, path);
    assert.throws(() => new MetricsWriter(path, { append: true }), { code: 'ELOOP' });
  });
});

test('a training run writes config.json, metrics.jsonl and checkpoints privately, past planted symlinks', async () => {
  await withVictim(async (root, victim) => {
    const out = join(root, 'run');
    await runTrainingJob({ config: tinyConfig({ steps: 1 }), outDir: out, processGroup: { env: {} } });
    for (const name of ['config.json', 'metrics.jsonl']) {
      await rm(join(out, name));
      await symlink(victim, join(out, name));
    }
    await rm(checkpointDir(out), { recursive: true });
    await runTrainingJob({ config: tinyConfig({ steps: 2 }), outDir: out, processGroup: { env: {} } });
    assert.equal(await modeOf(out), 0o700);
    for (const path of [join(out, 'config.json'), join(out, 'metrics.jsonl'), join(checkpointDir(out), checkpointFileName(2, 0))]) {
      assert.equal((await lstat(path)).isSymbolicLink(), false, path);
      assert.equal(await modeOf(path), 0o600, path);
    }
  });
});
