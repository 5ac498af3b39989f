// Golden Lion steps: a few parameters, numbers derived by hand (float32 rounding noted where it shows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelMemory, setWasmKernelsEnabled } from '../kernels/load.js';
import { createLion, type CreateLionOptions, type Lion } from './lion.js';
import { layoutFromLengths, type ParamLayout } from './param-layout.js';
import { applyUpdates, composedLion, updatesFromGradients } from './transforms.js';
import { linearWarmupSchedule } from './schedules.js';

// These tests run the wasm path next to the JS one, whatever LION_CUB_KERNELS says.
setWasmKernelsEnabled(true);

interface Trace { params: number[][]; momentum: number[][] }

/**
 * How a step is taken: the fused one-pass step, or the split half-steps data-parallel strategies use
 * (plan, clip, this worker's c or its 1-bit code, then apply a direction Δ = sign(c) or the code).
 */
type Path = 'fused' | 'split direction' | 'split sign code';

interface Scratch { c: Float32Array; direction: Float32Array; code: Uint32Array }

function takeStep(lion: Lion, params: Float32Array, g: Float32Array, path: Path, scratch: Scratch): void {
  if (path === 'fused') {
    lion.step(params, g);
    return;
  }
  const plan = lion.clipInPlace(g, lion.planStep(g));
  if (path === 'split sign code') {
    lion.encodeSign(g, scratch.code, plan);
    lion.applySignCode(params, g, scratch.code, plan);
    return;
  }
  lion.updateVector(g, scratch.c, plan);
  scratch.c.forEach((c, i) => { scratch.direction[i] = Math.sign(c); });
  lion.applyDirection(params, g, scratch.direction, plan);
}

/** Runs the steps through createLion, heap state and JS kernel, or everything in kernel memory (wasm kernel). */
function runFacade(layout: ParamLayout, options: CreateLionOptions, theta0: number[], grads: number[][], path: Path = 'fused'): Trace {
  const inKernel = options.stateMemory === 'kernel';
  const lion = createLion(layout, options);
  const pRegion = inKernel ? kernelMemory.allocF32(layout.numParams) : null;
  const gRegion = inKernel ? kernelMemory.allocF32(layout.numParams) : null;
  const words = Math.ceil(layout.numParams / 32);
  const scratchRegions = inKernel ? [kernelMemory.allocF32(layout.numParams), kernelMemory.allocF32(layout.numParams), kernelMemory.allocU32(words)] : [];
  const params = pRegion ? pRegion.f32() : new Float32Array(layout.numParams);
  const g = gRegion ? gRegion.f32() : new Float32Array(layout.numParams);
  params.set(theta0);
  const trace: Trace = { params: [], momentum: [] };
  for (const step of grads) {
    g.set(step);
    const scratch: Scratch = scratchRegions.length
      ? { c: scratchRegions[0].f32(), direction: scratchRegions[1].f32(), code: scratchRegions[2].u32() }
      : { c: new Float32Array(layout.numParams), direction: new Float32Array(layout.numParams), code: new Uint32Array(words) };
    takeStep(lion, params, g, path, scratch);
    trace.params.push([...params]);
    trace.momentum.push([...lion.state.momentum]);
  }
  lion.dispose();
  for (const r of scratchRegions) kernelMemory.release(r);
  if (pRegion) kernelMemory.release(pRegion);
  if (gRegion) kernelMemory.release(gRegion);
  return trace;
}

function runComposed(layout: ParamLayout, options: CreateLionOptions, theta0: number[], grads: number[][]): Trace {
  const { stateMemory: _unused, ...lionOptions } = options;
  const tx = composedLion(layout, lionOptions);
  const params = Float32Array.from(theta0);
  let state = tx.init(layout, params);
  const trace: Trace = { params: [], momentum: [] };
  for (const step of grads) {
    const updates = updatesFromGradients(layout, Float32Array.from(step));
    state = tx.update(updates, state, params);
    applyUpdates(params, updates);
    trace.params.push([...params]);
    trace.momentum.push([...(state[0] as { momentum: Float32Array }).momentum]);
  }
  return trace;
}

/** `zeroC`: some c is exactly 0, where a 1-bit code takes the parity rule instead of sign(0) = 0. */
function checkAll(layout: ParamLayout, options: CreateLionOptions, theta0: number[], grads: number[][], expected: Trace, zeroC = true): void {
  const kernel: CreateLionOptions = { ...options, stateMemory: 'kernel' };
  const runs: Record<string, Trace> = {
    'fused JS': runFacade(layout, options, theta0, grads),
    'fused wasm': runFacade(layout, kernel, theta0, grads),
    'split direction JS': runFacade(layout, options, theta0, grads, 'split direction'),
    'split direction wasm': runFacade(layout, kernel, theta0, grads, 'split direction'),
    composed: runComposed(layout, options, theta0, grads),
  };
  if (!zeroC) {
    runs['split sign code JS'] = runFacade(layout, options, theta0, grads, 'split sign code');
    runs['split sign code wasm'] = runFacade(layout, kernel, theta0, grads, 'split sign code');
  }
  for (const [name, trace] of Object.entries(runs)) {
    assert.deepEqual(trace, expected, name);
  }
}

test('three steps without weight decay (β1 0.9, β2 0.99, η 0.1)', () => {
  const layout = layoutFromLengths([{ name: 'w', length: 4 }]);
  const theta0 = [1, -1, 0.5, 2];
  const grads = [
    [0.5, -2, 0, 1],
    [-0.01, 0.1, -0, -1],
    [-1, 0, 0, 0],
  ];
  checkAll(layout, { lr: 0.1 }, theta0, grads, {
    params: [
      // m = 0, so c = 0.1·g = [0.05, −0.2, 0, 0.1] and sign(c) = [+1, −1, 0, +1]:
      // θ = [1 − 0.1, −1 + 0.1, 0.5 (zero update: not moved), 2 − 0.1] = [0.9, −0.9, 0.5, 1.9] (float32 nearest).
      [0.8999999761581421, -0.8999999761581421, 0.5, 1.899999976158142],
      // c = 0.9·m + 0.1·g = [0.0045 − 0.001, −0.018 + 0.01, 0 + (−0) = +0, 0.009 − 0.1] = [0.0035, −0.008, 0, −0.091]:
      // the momentum outvotes the small opposite gradient of element 0. sign = [+1, −1, 0, −1]:
      // θ = [0.9 − 0.1, −0.9 + 0.1, 0.5, 1.9 + 0.1] = [0.8, −0.8, 0.5, 2.0]; 0.8 shows the float32
      // rounding of the two subtractions (0.79999995 rather than fround(0.8) = 0.80000001).
      [0.7999999523162842, -0.7999999523162842, 0.5, 2],
      // m = [0.00485, −0.0188, 0, −0.0001]; c = 0.9·m + 0.1·g = [0.004365 − 0.1, −0.01692, 0, −0.00009]: all −1 but the zero.
      // θ = [0.8 + 0.1, −0.8 + 0.1, 0.5, 2.0 + 0.1] = [0.9, −0.7, 0.5, 2.1].
      [0.8999999761581421, -0.6999999284744263, 0.5, 2.0999999046325684],
    ],
    momentum: [
      // m = 0.01·g = [0.005, −0.02, 0, 0.01].
      [0.004999999888241291, -0.019999999552965164, 0, 0.009999999776482582],
      // m = 0.99·m + 0.01·g = [0.00495 − 0.0001, −0.0198 + 0.001, 0, 0.0099 − 0.01] = [0.00485, −0.0188, 0, −0.0001].
      // The last is −0.0000999998 rather than −0.0001: 0.0099 − 0.01 cancels, leaving the float32 rounding of both.
      [0.0048500001430511475, -0.018799999728798866, 0, -9.999983012676239e-05],
      // m = 0.99·m + 0.01·g = [0.0048015 − 0.01, −0.018612, 0, −0.000099] = [−0.0051985, −0.018612, 0, −0.000099].
      [-0.005198499653488398, -0.018611999228596687, 0, -9.899982978822663e-05],
    ],
  });
});

test('weight decay with a mask and a warm-up schedule read at every step', () => {
  // w (2 values) is decayed, b is not. λ = 0.5; η = 0.1 at step 0 and 0.2 from step 1 (warm-up over 2 steps).
  const layout = layoutFromLengths([{ name: 'w', length: 2 }, { name: 'b', length: 1 }]);
  const options: CreateLionOptions = {
    lr: linearWarmupSchedule({ peakLr: 0.2, warmupSteps: 2 }),
    weightDecay: 0.5,
    weightDecayMask: { exclude: ['b'] },
  };
  checkAll(layout, options, [2, -4, 1], [[1, 1, 1], [-1, -1, -1]], {
    params: [
      // sign(c) = +1 everywhere; decay 1 − 0.1·0.5 = 0.95 on w, 1 on b:
      // θ = [2·0.95 − 0.1, −4·0.95 − 0.1, 1 − 0.1] = [1.8, −3.9, 0.9].
      [1.7999999523162842, -3.8999998569488525, 0.8999999761581421],
      // c = 0.9·0.01 − 0.1 = −0.091, sign −1; η = 0.2 now, decay 1 − 0.2·0.5 = 0.9:
      // θ = [1.8·0.9 + 0.2, −3.9·0.9 + 0.2, 0.9 + 0.2] = [1.82, −3.31, 1.1] (−3.3099997: float32 of −3.9·0.9 first).
      [1.8199999332427979, -3.309999704360962, 1.100000023841858],
    ],
    momentum: [
      [0.009999999776482582, 0.009999999776482582, 0.009999999776482582],
      // 0.99·0.01 − 0.01 = −0.0001 (rounded as in the first test).
      [-9.999983012676239e-05, -9.999983012676239e-05, -9.999983012676239e-05],
    ],
  }, false);
});
