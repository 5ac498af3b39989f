// Every layer type the built-in workloads use (dense with bias and ReLU, char-gpt's attention, layer norm,
// GELU, embedding as one-hot product, softmax cross-entropy) gives the same loss and gradients with lion-cub's
// kernels, run as training runs them (matmul override, dense GEMM kernels, variables bound to a flat parameter
// buffer in kernel memory, gradients written by the backward pass into the flat gradient buffer) as with
// tfjs-backend-wasm's own kernels and plain copied buffers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../tfjs/backend.js';
import { FlatParams } from '../tfjs/flat-params.js';
import { kernelMemory } from '../kernels/load.js';
import { installTransposedMatMulOverride, uninstallTransposedMatMulOverride } from '../tfjs/matmul-override.js';
import { tf } from '../tfjs/tf.js';
import { charGpt } from '../workloads/char-gpt.js';
import { mnistMlp } from '../workloads/mnist-mlp.js';
import type { Workload } from '../workloads/workload.js';

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
    const paramsRegion = kernelMemory.allocF32(flat.numParams);
    const gradsRegion = kernelMemory.allocF32(flat.numParams);
    try {
      installTransposedMatMulOverride('wasm');
      flat.write(params);
      assert.equal(flat.bind(paramsRegion.f32()), model.variables.length);
      const placed = flat.gradients(() => workload.loss(model, batch), () => gradsRegion.f32());
      const ours = { loss: placed.loss, grads: gradsRegion.f32().slice() };
      flat.unbind();
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
      flat.unbind();
      kernelMemory.release(paramsRegion);
      kernelMemory.release(gradsRegion);
      tf.dispose([batch.x, batch.y]);
      model.dispose();
    }
  });
}
