// Lion minimises smooth functions from a fixed start: a diagonal quadratic and the Rosenbrock valley.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelMemory, setWasmKernelsEnabled } from '../kernels/load.js';
import { randomFloat32 } from '../random.js';
import { createLion } from './lion.js';
import { layoutFromLengths } from './param-layout.js';
import { warmupCosineSchedule } from './schedules.js';

// These tests run the wasm path next to the JS one, whatever LION_CUB_KERNELS says.
setWasmKernelsEnabled(true);

for (const stateMemory of ['heap', 'kernel'] as const) {
  test(`quadratic ½·Σ aᵢ(θᵢ − tᵢ)² in 100 dimensions (${stateMemory})`, () => {
    const d = 100;
    const curvature = randomFloat32(d, 1).map((x) => 1.25 + 0.75 * x); // in [0.5, 2]
    const target = randomFloat32(d, 2);
    const layout = layoutFromLengths([{ name: 'w', length: d }]);
    const steps = 300;
    const lion = createLion(layout, { lr: warmupCosineSchedule({ peakLr: 0.02, warmupSteps: 10, totalSteps: steps }), stateMemory });
    const regions = stateMemory === 'kernel' ? [kernelMemory.allocF32(d), kernelMemory.allocF32(d)] : [];
    const [params, grads] = regions.length ? regions.map((r) => r.f32()) : [new Float32Array(d), new Float32Array(d)];
    const loss = () => {
      let s = 0;
      for (let i = 0; i < d; i++) s += 0.5 * curvature[i] * (params[i] - target[i]) ** 2;
      return s;
    };
    const initial = loss();
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < d; i++) grads[i] = curvature[i] * (params[i] - target[i]);
      lion.step(params, grads);
    }
    assert.ok(initial > 10, `initial loss ${initial}`);
    assert.ok(loss() < 1e-6, `final loss ${loss()}`);
    lion.dispose();
    regions.forEach((r) => kernelMemory.release(r));
  });
}

test('Rosenbrock (1 − x)² + 100(y − x²)² from (−1.2, 1) reaches the minimum at (1, 1)', () => {
  const layout = layoutFromLengths([{ name: 'xy', length: 2 }]);
  const steps = 3000;
  const lion = createLion(layout, { lr: warmupCosineSchedule({ peakLr: 0.01, warmupSteps: 10, totalSteps: steps }) });
  const p = new Float32Array([-1.2, 1]);
  const g = new Float32Array(2);
  const f = () => (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2;
  assert.ok(f() > 24);
  for (let t = 0; t < steps; t++) {
    const [x, y] = p;
    g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
    g[1] = 200 * (y - x * x);
    lion.step(p, g);
  }
  assert.ok(f() < 1e-5, `final loss ${f()} at (${p[0]}, ${p[1]})`);
  assert.ok(Math.abs(p[0] - 1) < 0.01 && Math.abs(p[1] - 1) < 0.01);
});
