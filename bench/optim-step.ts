// Times one Lion step at memory scale: fused JS, fused wasm (buffers in kernel memory) and a plain copy, side by side.
//
// Usage: node --import tsx bench/optim-step.ts [numParams=16M] [repeats=11]
// Ratios are taken against Float32Array.prototype.set of one same-length array measured in the
// same run, because the machine is shared and absolute times drift.

import { machineInfo, measureSync, parseCount, type TimingSummary } from './harness.js';
import { kernelMemory, setWasmKernelsEnabled } from '../src/kernels/load.js';
import { randomFloat32 } from '../src/test-support/random.js';
import { lionApplyDirectionWasm, lionFusedStepJs, lionFusedStepWasm, lionUpdateVectorWasm } from '../src/optim/lion-fused.js';
import { lionCoefficients } from '../src/optim/lion-numerics.js';
import { sumOfSquaresJs, sumOfSquaresWasm } from '../src/optim/global-norm.js';

const numParams = parseCount(process.argv[2] ?? '16M');
const repeats = Number(process.argv[3] ?? 11);
if (!Number.isSafeInteger(numParams) || numParams <= 0) throw new Error(`numParams: got ${process.argv[2]}, expected a count like 16M`);
if (!Number.isSafeInteger(repeats) || repeats < 1 || repeats > 101) throw new Error(`repeats: got ${process.argv[3]}, expected 1..101`);

const k = lionCoefficients({ lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decayed: true });
const rows: Array<{ kernel: string } & TimingSummary> = [];
const measure = (kernel: string, fn: () => void): void => {
  rows.push({ kernel, ...measureSync(fn, { warmup: 2, repeats }) });
};

// Heap arrays for the copy yardstick and the JS reference.
{
  const src = randomFloat32(numParams, 1);
  const dst = new Float32Array(numParams);
  measure('copy (Float32Array.set)', () => dst.set(src));
  const params = randomFloat32(numParams, 2);
  const momentum = randomFloat32(numParams, 3, { scale: 0.1 });
  measure('fused step, JS', () => lionFusedStepJs(params, momentum, src, k));
  measure('sum of squares, JS', () => { sumOfSquaresJs(src); });
}

// Kernel memory for the wasm kernels, allocated before any view is taken (a grow detaches views).
{
  setWasmKernelsEnabled(true);
  const regions = [0, 1, 2, 3, 4].map(() => kernelMemory.allocF32(numParams));
  const [params, momentum, grads, direction, out] = regions.map((r) => r.f32());
  params.set(randomFloat32(numParams, 2));
  momentum.set(randomFloat32(numParams, 3, { scale: 0.1 }));
  grads.set(randomFloat32(numParams, 4));
  direction.set(randomFloat32(numParams, 5));
  measure('copy in kernel memory', () => out.set(grads));
  measure('fused step, wasm', () => lionFusedStepWasm(params, momentum, grads, k));
  measure('apply direction, wasm', () => lionApplyDirectionWasm(params, momentum, grads, direction, k));
  measure('update vector, wasm', () => lionUpdateVectorWasm(momentum, grads, out, k));
  measure('sum of squares, wasm', () => { sumOfSquaresWasm(grads); });
  regions.forEach((r) => kernelMemory.release(r));
}

const copyMedian = rows[0].medianMs;
console.log(JSON.stringify({ machine: machineInfo(), numParams, repeats }));
console.log(['kernel'.padEnd(26), 'min ms', 'median ms', 'max ms', '× copy', 'GB/s moved'].join('\t'));
const bytesMoved: Record<string, number> = {
  'copy (Float32Array.set)': 8, 'copy in kernel memory': 8, 'fused step, JS': 20, 'fused step, wasm': 20,
  'apply direction, wasm': 24, 'update vector, wasm': 12, 'sum of squares, JS': 4, 'sum of squares, wasm': 4,
};
for (const row of rows) {
  const gbPerSec = (bytesMoved[row.kernel] * numParams) / (row.medianMs * 1e6);
  console.log([row.kernel.padEnd(26), row.minMs.toFixed(2), row.medianMs.toFixed(2), row.maxMs.toFixed(2),
    (row.medianMs / copyMedian).toFixed(2), gbPerSec.toFixed(2)].join('\t'));
}
