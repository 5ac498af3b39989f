// Every layer type the built-in workloads use (dense with bias and ReLU, char-gpt's attention, layer norm,
// GELU, embedding as one-hot product, softmax cross-entropy) gives the same loss and gradients with lion-cub's
// kernels (matmul override, dense GEMM kernels, in-place parameter writes) as with tfjs-backend-wasm's own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../tfjs/backend.js';
import { FlatParams } from '../tfjs/flat-params.js';
import { installTransposedMatMulOverride, uninstallTransposedMatMulOverride } from '../tfjs/matmul-override.js';
import { tf } from '../tfjs/tf.js';
import { charGpt } from './char-gpt.js';
import { mnistMlp } from './mnist-mlp.js';
import type { Workload } from './workload.js';

const CASES: Array<{ workload: Workload<object>; options: object; batch: number }> = [
  { workload: mnistMlp as Workload<object>, options: { hiddenUnits: [96, 40] }, batch: 12 },
  { workload: charGpt as Workload<object>, options: { contextLength: 16, modelDim: 32, numHeads: 2, numLayers: 2, maxChars: 20_000 }, batch: 6 },
];

for (const { workload, options, batch: batchSize } of CASES) {
  test(`${workload.name}: loss and gradients with lion-cub's kernels equal the stock wasm kernels'`, async () => {
    await initBackend({ backend: 'wasm', fallbackToCpu: false });
    const model = workload.createModel(options);
    const data = workload.loadData(options);
    const batch = data.train.batch(Array.from({ length: batchSize }, (_, i) => 3 * i));
    const flat = new FlatParams(model.variables);
    // Perturbed parameters written through FlatParams, as a training step does (in place on wasm).
    const params = flat.read().map((v, i) => v + 0.01 * Math.sin(i));
    const run = () => {
      flat.write(params);
      return flat.gradients(() => workload.loss(model, batch));
    };
    try {
      installTransposedMatMulOverride('wasm');
      const ours = run();
      uninstallTransposedMatMulOverride('wasm');
      const stock = run();
      assert.ok(Number.isFinite(ours.loss));
      assert.ok(Math.abs(ours.loss - stock.loss) <= 1e-5 * Math.max(1, Math.abs(stock.loss)), `loss ${ours.loss} vs ${stock.loss}`);
      const scale = stock.grads.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
      assert.ok(scale > 0, 'the gradient is not all zeros');
      let worst = 0;
      for (let i = 0; i < stock.grads.length; i++) worst = Math.max(worst, Math.abs(ours.grads[i] - stock.grads[i]));
      assert.ok(worst <= 1e-4 * scale, `largest gradient difference ${worst} against largest gradient ${scale}`);
    } finally {
      installTransposedMatMulOverride('wasm');
      tf.dispose([batch.x, batch.y]);
      model.dispose();
    }
  });
}
