// Times one Lion step at memory scale: fused JS, fused wasm (buffers in kernel memory) and a plain copy, side by side.
//
// Usage: node --import tsx bench/optim-step.ts [numParams=16M] [repeats=11]
// The machine is shared, so the cases are interleaved: each round runs every case once, and
// the ratio to the copy is taken within a round (then the median over rounds). Absolute times
// drift with the load; ratios measured this way mostly do not.

import { machineInfo, parseCount, summarize } from './harness.js';
import { kernelMemory } from '../src/kernels/load.js';
import { randomFloat32 } from '../src/test-support/random.js';
import { lionApplyDirectionWasm, lionFusedStepJs, lionFusedStepWasm, lionUpdateVectorWasm } from '../src/optim/lion-fused.js';
import { lionCoefficients } from '../src/optim/lion-numerics.js';
import { sumOfSquaresJs, sumOfSquaresWasm } from '../src/optim/global-norm.js';

const numParams = parseCount(process.argv[2] ?? '16M');
const repeats = Number(process.argv[3] ?? 11);
if (!Number.isSafeInteger(numParams) || numParams <= 0) throw new Error(`numParams: got ${process.argv[2]}, expected a count like 16M`);
if (!Number.isSafeInteger(repeats) || repeats < 1 || repeats > 101) throw new Error(`repeats: got ${process.argv[3]}, expected 1..101`);

const k = lionCoefficients({ lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decayed: true });

// Heap arrays for the copy yardstick and the JS reference.
const src = randomFloat32(numParams, 1);
const dst = new Float32Array(numParams);
const heapParams = randomFloat32(numParams, 2);
const heapMomentum = randomFloat32(numParams, 3, { scale: 0.1 });

// Kernel memory for the wasm kernels, all allocated before any view is taken (a grow detaches views).
const regions = [0, 1, 2, 3, 4].map(() => kernelMemory.allocF32(numParams));
const [params, momentum, grads, direction, out] = regions.map((r) => r.f32());
params.set(heapParams);
momentum.set(heapMomentum);
grads.set(src);
direction.set(randomFloat32(numParams, 5));

interface Case { name: string; bytesPerParam: number; run: () => void }
const cases: Case[] = [
  { name: 'copy (Float32Array.set)', bytesPerParam: 8, run: () => dst.set(src) },
  { name: 'copy in kernel memory', bytesPerParam: 8, run: () => out.set(grads) },
  { name: 'fused step, JS', bytesPerParam: 20, run: () => lionFusedStepJs(heapParams, heapMomentum, src, k) },
  { name: 'fused step, wasm', bytesPerParam: 20, run: () => lionFusedStepWasm(params, momentum, grads, k) },
  { name: 'apply direction, wasm', bytesPerParam: 24, run: () => lionApplyDirectionWasm(params, momentum, grads, direction, k) },
  { name: 'update vector, wasm', bytesPerParam: 12, run: () => lionUpdateVectorWasm(momentum, grads, out, k) },
  { name: 'sum of squares, JS', bytesPerParam: 4, run: () => { sumOfSquaresJs(src); } },
  { name: 'sum of squares, wasm', bytesPerParam: 4, run: () => { sumOfSquaresWasm(grads); } },
];

for (const c of cases) for (let i = 0; i < 2; i++) c.run(); // warm-up: JIT and page faults
const samples = cases.map(() => [] as number[]);
for (let r = 0; r < repeats; r++) {
  cases.forEach((c, i) => {
    const start = performance.now();
    c.run();
    samples[i].push(performance.now() - start);
  });
}
regions.forEach((r) => kernelMemory.release(r));

console.log(JSON.stringify({ machine: machineInfo(), numParams, repeats }));
console.log(['kernel'.padEnd(26), 'min ms', 'median ms', 'max ms', '× copy (median of per-round ratios)', 'GB/s at median'].join('\t'));
cases.forEach((c, i) => {
  const t = summarize(samples[i]);
  const ratio = summarize(samples[i].map((ms, r) => ms / samples[0][r])).medianMs;
  console.log([c.name.padEnd(26), t.minMs.toFixed(2), t.medianMs.toFixed(2), t.maxMs.toFixed(2), ratio.toFixed(2),
    ((c.bytesPerParam * numParams) / (t.medianMs * 1e6)).toFixed(2)].join('\t'));
});
