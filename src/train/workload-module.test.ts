// Workloads from module files: trained, checkpointed and resumed like built-ins; a changed or malformed module is refused by name.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMismatchError } from '../comm/rendezvous/fingerprint.js';
import { freePort } from '../comm/test-support/free-port.js';
import { generateJobToken, JOB_TOKEN_ENV } from '../comm/transport/handshake.js';
import { preflightCheckpoints } from './checkpoint-preflight.js';
import { InvalidArgumentError } from '../errors.js';
import { initBackend } from '../tfjs/backend.js';
import { loadWorkload, workloadModuleRef } from '../workloads/module.js';
import { getWorkload, registerWorkload } from '../workloads/registry.js';
import { CheckpointError } from './checkpoint-errors.js';
import { resolveTrainConfig, type TrainConfig } from './config.js';
import { trajectoryOf } from './fingerprint.js';
import { runTrainingJob } from './job.js';
import { withRanks } from './test-support/ranks.js';
import { Trainer } from './trainer.js';

const modulePath = fileURLToPath(new URL('./test-support/blobs-workload.ts', import.meta.url));

before(async () => {
  await initBackend({ backend: 'wasm' });
});

function blobsConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return resolveTrainConfig({ workload: modulePath, workloadOptions: { hidden: 8 }, sync: 'cub-pbit', steps: 12, batchSize: 16, lr: 2e-2, evalEvery: 0, timeoutMs: 20_000, ...overrides });
}

function train(config: TrainConfig, outDir: string | null, resume = false): Promise<Array<{ params: Float32Array; momentum: Float32Array; workload: string; accuracy: number }>> {
  return withRanks(2, async (group) => {
    const trainer = await Trainer.create({ config, group, outDir, resume });
    try {
      const done = await trainer.run();
      return { params: trainer.params(), momentum: trainer.momentum(), workload: trainer.workload.name, accuracy: done.finalEval.accuracy };
    } finally {
      trainer.dispose();
    }
  });
}

test('a config naming a module records its absolute path and sha256; the trajectory carries the hash', () => {
  const config = blobsConfig();
  assert.equal(config.workload, modulePath);
  assert.equal(config.workloadSha256, workloadModuleRef(modulePath).sha256);
  assert.match(config.workloadSha256!, /^[0-9a-f]{64}$/);
  assert.equal(trajectoryOf({ config, worldSize: 2, totalSteps: 6, numParams: 1, strategy: 'x' }).workloadSha256, config.workloadSha256);
  assert.equal('workloadSha256' in trajectoryOf({ config: resolveTrainConfig({}), worldSize: 2, totalSteps: 6, numParams: 1, strategy: 'x' }), false);
  assert.throws(() => resolveTrainConfig({ workload: './no-such-workload.js' }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'workload');
  assert.throws(() => resolveTrainConfig({ workload: modulePath, workloadSha256: 'ab'.repeat(32) }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'workloadSha256');
  assert.throws(() => resolveTrainConfig({ workload: 'mnist-mlp', workloadSha256: 'ab'.repeat(32) }), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'workloadSha256');
});

test('a module workload trains, and a run interrupted at step 5 and resumed equals the uninterrupted one (2 ranks)', async () => {
  const out = await mkdtemp(join(tmpdir(), 'workload-module-'));
  try {
    const whole = await train(blobsConfig({ checkpointEvery: 5 }), join(out, 'whole'));
    assert.equal(whole[0].workload, 'blobs');
    assert.ok(whole[0].accuracy > 0.5, `accuracy ${whole[0].accuracy} on three blobs (chance 0.33)`);
    await train(blobsConfig({ steps: 5 }), join(out, 'split'));
    const resumed = await train(blobsConfig({ checkpointEvery: 5 }), join(out, 'split'), true);
    for (let r = 0; r < 2; r++) {
      assert.deepEqual(resumed[r].params, whole[r].params, `rank ${r} parameters`);
      assert.deepEqual(resumed[r].momentum, whole[r].momentum, `rank ${r} momentum`);
    }
    // Resuming with another version of the module is caught before any worker starts, naming the hash.
    const changed = { ...blobsConfig(), workloadSha256: 'cd'.repeat(32) };
    await assert.rejects(preflightCheckpoints(changed, join(out, 'split'), true, 2), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint_mismatch' && e.message.includes('workloadSha256'));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a rank whose module file differs from the configured one, or a module without a workload, is refused by path', async () => {
  await assert.rejects(loadWorkload(modulePath, 'ef'.repeat(32)), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(modulePath) && e.message.includes('sha256'));
  await assert.rejects(withRanks(1, (group) => Trainer.create({ config: { ...blobsConfig(), workloadSha256: 'ef'.repeat(32) }, group })), InvalidArgumentError);
  const dir = await mkdtemp(join(tmpdir(), 'workload-module-'));
  try {
    const broken = join(dir, 'broken.mjs');
    await writeFile(broken, 'export default { name: "half", loadData() {} };\n');
    await assert.rejects(loadWorkload(broken, null), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes('createModel') && e.message.includes('evaluate'));
    const failing = join(dir, 'failing.mjs');
    await writeFile(failing, 'throw new Error("cannot load my data");\n');
    await assert.rejects(loadWorkload(failing, null), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes('cannot load my data'));
    assert.equal((await loadWorkload('synthetic', null)).name, 'synthetic');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ranks whose workload modules hash differently fail at rendezvous, every rank naming workloadSha256', async () => {
  const port = String(await freePort());
  const token = generateJobToken();
  const results = await Promise.allSettled([0, 1].map((rank) => runTrainingJob({
    // Rank 1 holds another version of the module (as after an edit on one machine).
    config: rank === 0 ? blobsConfig() : { ...blobsConfig(), workloadSha256: 'ab'.repeat(32) },
    processGroup: { env: { RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, [JOB_TOKEN_ENV]: token }, rendezvousTimeoutMs: 10_000 },
  })));
  for (const result of results) {
    assert.equal(result.status, 'rejected');
    const error = (result as PromiseRejectedResult).reason as ConfigMismatchError;
    assert.ok(error instanceof ConfigMismatchError, String(error));
    assert.ok(error.differences.some((d) => d.field === 'workloadSha256'), error.message);
    assert.match(error.message, /workloadSha256/);
  }
});

test('a workload object registered in this process is accepted by name by the configuration and the Trainer', async () => {
  assert.throws(() => resolveTrainConfig({ workload: 'fashion-like' }), InvalidArgumentError);
  registerWorkload({ ...getWorkload('synthetic'), name: 'fashion-like' });
  const config = resolveTrainConfig({ workload: 'fashion-like', workloadOptions: { numParams: 1000, numExamples: 64 }, sync: 'lion', steps: 2, batchSize: 16, evalEvery: 0, timeoutMs: 20_000 });
  const [name] = await withRanks(1, async (group) => {
    const trainer = await Trainer.create({ config, group });
    await trainer.run();
    trainer.dispose();
    return trainer.workload.name;
  });
  assert.equal(name, 'fashion-like');
});
