import { initBackend } from '../src/tfjs/backend.js';
import { tinyConfig, withRanks } from '../src/train/test-support/ranks.js';
import { Trainer } from '../src/train/trainer.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
await initBackend({ backend: 'wasm' });
const [lr, sched, sync, steps] = [Number(process.argv[2]), process.argv[3], process.argv[4], Number(process.argv[5])];
async function run(n: number, upTo: number, out: string, resume: boolean, seed: number) {
  const config = tinyConfig({ workloadOptions: { numParams: 3000, inputSize: 16, numClasses: 4, numExamples: 960 }, sync, batchSize: 24, lr, lrSchedule: sched as 'cosine', steps: upTo, checkpointEvery: 0, seed, evalBatchSize: 256, ...(sched === 'cosine' ? { minLr: lr / 10 } : {}) });
  return withRanks(n, async (group) => {
    const t = await Trainer.create({ config: { ...config, steps: upTo }, group, outDir: out, resume });
    try { const d = await t.run(); return d.finalEval; } finally { t.dispose(); }
  });
}
for (const seed of [1, 2, 3]) {
  const root = await mkdtemp(join(tmpdir(), 'x-'));
  const whole = (await run(4, steps, join(root, 'w'), false, seed))[0];
  await run(4, Math.round(steps * 0.23), join(root, 's'), false, seed);
  await run(3, Math.round(steps * 0.61), join(root, 's'), true, seed);
  const el = (await run(4, steps, join(root, 's'), true, seed))[0];
  console.log(seed, 'whole', whole.loss.toFixed(4), whole.accuracy.toFixed(4), 'elastic', el.loss.toFixed(4), el.accuracy.toFixed(4));
  await rm(root, { recursive: true });
}
