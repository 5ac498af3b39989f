// The compute benchmark measures a real step: its FLOP count matches the network's products, the split names
// the matmul kernels, and the GEMM rows cover the three products of every layer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runComputeBench } from './step.js';
import { runGemmBench } from './gemm.js';

test('a step of a small MLP counts its product FLOPs and splits its time by kernel', async () => {
  const row = await runComputeBench({ workload: 'mnist-mlp', workloadOptions: { hiddenUnits: [16, 8] }, batch: 4, repeats: 2 });
  // Forward 784·16 + 16·8 + 8·10 multiply-adds per example; backward dW for all three, dX for the upper two.
  const forward = 784 * 16 + 16 * 8 + 8 * 10;
  const expected = 2 * 4 * (2 * forward + 16 * 8 + 8 * 10);
  assert.equal(Math.round(row.matmulGflop * 1e9), expected);
  assert.equal(row.numParams, 784 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10);
  assert.ok(row.msMin > 0 && row.msMin <= row.msMedian && row.msMedian <= row.msMax);
  assert.ok(row.gflops > 0);
  assert.ok(Object.keys(row.split).some((op) => op === 'BatchMatMul' || op === '_FusedMatMul'), Object.keys(row.split).join());
});

test('GEMM rows: three products per layer with their shapes', () => {
  const rows = [...runGemmBench([6, 5, 3], 4, 1, 'simd')];
  assert.deepEqual(rows.map((r) => `${r.layer} ${r.product} ${r.m}×${r.k}×${r.n}`), [
    '0 X·W 4×6×5', '0 dY·Wᵀ 4×5×6', '0 Xᵀ·dY 6×4×5', '1 X·W 4×5×3', '1 dY·Wᵀ 4×3×5', '1 Xᵀ·dY 5×4×3',
  ]);
  for (const r of rows) assert.ok(r.gflops > 0 && Number.isFinite(r.gflops));
});
