// Your own tf.LayersModel, trained with model.fit on your own data by every worker of a lion-cub job.
//
//   npx lion-cub run --nproc 2 fit-own-data.mjs --data data.csv --steps 40 --run-dir run
//
// Run it again with the same --run-dir and a larger --steps: it reloads the saved model, restores every
// worker's optimizer state and data position, and continues exactly as if it had never stopped.
// data.csv: one example per line, numeric features first and an integer class label last.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initProcessGroup } from 'lion-cub';
import { initBackend, tf } from 'lion-cub/tfjs';
import { createFitOptimizer, restoreFitState, saveFitState } from 'lion-cub/train';
import { DistributedSampler, withSeed } from 'lion-cub/workloads';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'data.csv' },
    steps: { type: 'string', default: '40' },
    batch: { type: 'string', default: '32' },
    seed: { type: 'string', default: '0' },
    'run-dir': { type: 'string', default: 'run' },
  },
});
const steps = Number(values.steps);
const seed = Number(values.seed);
const runDir = resolve(values['run-dir']);
const modelDir = join(runDir, 'model');

// 1. The data: every worker reads the whole file; the sampler below gives each its share of every batch.
const rows = readFileSync(values.data, 'utf8').trim().split('\n').map((line) => line.split(',').map(Number));
const numFeatures = rows[0].length - 1;
const numClasses = Math.max(...rows.map((row) => row[numFeatures])) + 1;

await initBackend();
const group = await initProcessGroup();

// 2. The model: reloaded from the last run's save, or built inside withSeed so its initial weights follow --seed.
const model = existsSync(join(modelDir, 'model.json'))
  ? await tf.loadLayersModel(`file://${join(modelDir, 'model.json')}`)
  : withSeed(seed, () => tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [numFeatures], units: 32, activation: 'relu' }),
      tf.layers.dense({ units: numClasses, activation: 'softmax' }),
    ],
  }));

// 3. Lion, data-parallel: pass it to compile and its callback to fit (first in the list).
const optimizer = await createFitOptimizer({ model, group, sync: 'cub-pbit', seed, lion: { lr: 3e-3 } });
model.compile({ optimizer, loss: 'categoricalCrossentropy' });

// 4. Resume: parameters, this worker's momentum and the step from the run directory (null on a fresh start).
const sampler = new DistributedSampler({ numExamples: rows.length, globalBatchSize: Number(values.batch), worldSize: group.worldSize, rank: group.rank, seed });
const restored = await restoreFitState(optimizer, runDir, { sampler });
const start = restored?.step ?? 0;

// 5. This worker's share of global batches start … steps−1, in order (shuffle stays off: the sampler shuffled).
const indices = [];
for (let t = start; t < steps; t++) {
  const { epoch, step } = sampler.position(t);
  indices.push(...sampler.localBatch(epoch, step));
}
optimizer.onStep(async (info) => {
  if (group.rank === 0 && info.step % 10 === 0) {
    console.log(`step ${info.step}: loss ${info.loss?.toFixed(4)}, forward+backward ${info.computeMs.toFixed(1)} ms, sync ${info.syncMs.toFixed(1)} ms`);
  }
  // Every worker saves its own state at the same steps; fit waits for it before the next batch.
  if (info.step % 10 === 0 || info.step === steps) await saveFitState(optimizer, runDir, { sampler });
});
if (indices.length > 0) {
  const xs = tf.tensor2d(indices.map((i) => rows[i].slice(0, numFeatures)));
  const ys = tf.oneHot(tf.tensor1d(indices.map((i) => rows[i][numFeatures]), 'int32'), numClasses).toFloat();
  await model.fit(xs, ys, { batchSize: sampler.localBatchSize, epochs: 1, shuffle: false, verbose: 0, callbacks: [optimizer.callback] });
  tf.dispose([xs, ys]);
}

// 6. Every worker holds the same weights: worker 0 saves the model and reports.
if (group.rank === 0) {
  await model.save(`file://${modelDir}`, { includeOptimizer: true });
  const predicted = tf.tidy(() => model.predict(tf.tensor2d(rows.map((row) => row.slice(0, numFeatures)))).argMax(-1).dataSync());
  const accuracy = rows.filter((row, i) => predicted[i] === row[numFeatures]).length / rows.length;
  const digest = createHash('sha256');
  for (const weight of model.getWeights()) digest.update(weight.dataSync());
  console.log(JSON.stringify({ final: true, step: optimizer.synced.step, resumedFrom: start, trainAccuracy: accuracy, weightsSha256: digest.digest('hex') }));
}
optimizer.dispose();
model.dispose();
await group.close();
