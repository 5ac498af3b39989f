// Example: an ordinary tf.LayersModel trained with model.fit (or model.fitDataset) and lion-cub's drop-in optimizer.
//
//   npx tsx examples/fit.ts                                     one process
//   npx lion-cub run --nproc 2 examples/fit.ts --steps 50       two workers
//   npx lion-cub run --nproc 2 examples/fit.ts --dataset        the same through model.fitDataset
//
// The optimizer's applyGradients only copies the gradients out; `optimizer.callback`'s onBatchEnd (which fit
// awaits before the next batch) communicates and updates the weights. Always pass the callback to fit, first.
// Each worker fits on its own shard of every global batch (DistributedSampler), so `shuffle` must stay off.

import { parseArgs } from 'node:util';
import { initProcessGroup } from 'lion-cub';
import { initBackend, oneHotFloat, tf, type Tensor } from 'lion-cub/tfjs';
import { createFitOptimizer } from 'lion-cub/train';
import { DistributedSampler, getWorkload } from 'lion-cub/workloads';

const { values } = parseArgs({
  options: {
    sync: { type: 'string', default: 'lion' },
    steps: { type: 'string', default: '100' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '3e-4' },
    seed: { type: 'string', default: '0' },
    dataset: { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const seed = Number(values.seed);

await initBackend();
const group = await initProcessGroup();
const data = getWorkload('mnist-mlp').loadData();

// A plain Keras-style model with tfjs's random initialisers: createFitOptimizer copies rank 0's weights to every rank.
const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu', name: 'hidden' }),
    tf.layers.dense({ units: 10, name: 'logits' }),
  ],
});
const optimizer = await createFitOptimizer({
  model, group, sync: values.sync!, seed,
  lion: { lr: Number(values.lr), weightDecay: 0.1, weightDecayMask: { exclude: ['*/bias'] } },
});
model.compile({ optimizer, loss: (yTrue: Tensor, yPred: Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });

// This rank's part of global batches 0..steps−1, in step order.
const sampler = new DistributedSampler({ numExamples: data.train.numExamples, globalBatchSize: Number(values.batch), worldSize: group.worldSize, rank: group.rank, seed });
const indices: number[] = [];
for (let t = 0; t < steps; t++) {
  const { epoch, step } = sampler.position(t);
  indices.push(...sampler.localBatch(epoch, step));
}
const train = data.train.batch(indices);
const xs = train.x;
const ys = oneHotFloat(train.y, 10);
train.y.dispose();

optimizer.onStep((info) => {
  if (group.rank === 0 && info.step % 10 === 0) console.log(`step ${info.step}/${steps} loss ${info.loss?.toFixed(4)} (${info.sync.bytesSent} bytes sent)`);
});
try {
  if (values.dataset) {
    const dataset = tf.data.zip({ xs: tf.data.array(tf.unstack(xs)), ys: tf.data.array(tf.unstack(ys)) }).batch(sampler.localBatchSize);
    await model.fitDataset(dataset, { epochs: 1, batchesPerEpoch: steps, callbacks: [optimizer.callback] });
  } else {
    await model.fit(xs, ys, { batchSize: sampler.localBatchSize, epochs: 1, shuffle: false, callbacks: [optimizer.callback] });
  }
  // Every rank holds the same weights; rank 0 scores them on the whole test set.
  if (group.rank === 0) {
    const test = data.test.batch(Array.from({ length: data.test.numExamples }, (_, i) => i));
    const accuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(test.x) as Tensor, -1), test.y), 'float32')).dataSync()[0]);
    tf.dispose([test.x, test.y]);
    console.log(JSON.stringify({ final: true, steps: optimizer.synced.step, accuracy }));
  }
} finally {
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
  await group.close();
}
