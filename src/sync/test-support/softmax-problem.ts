// A small real learning problem for strategy tests: softmax regression on a fixed synthetic data set.
//
// 10 classes, 32 features; labels come from a random linear teacher with 10% label noise, so the optimum
// is not zero loss and optimisers are compared on a loss they can all approach.

import { seededRandom } from '../../random.js';

export const FEATURES = 32;
export const CLASSES = 10;
export const NUM_PARAMS = FEATURES * CLASSES + CLASSES;

export interface Problem {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export function makeProblem(count: number, seed: number): Problem {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const teacher = Float32Array.from({ length: FEATURES * CLASSES }, gauss);
  const x = Float32Array.from({ length: count * FEATURES }, gauss);
  const y = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < CLASSES; k++) {
      let s = 0;
      for (let j = 0; j < FEATURES; j++) s += x[n * FEATURES + j] * teacher[j * CLASSES + k];
      if (s > bestScore) { bestScore = s; best = k; }
    }
    y[n] = rand() < 0.1 ? Math.floor(rand() * CLASSES) : best;
  }
  return { x, y, count };
}

/** Mean cross-entropy over examples [from, to); writes its gradient into `grads` (weights then biases) when given. */
export function lossAndGrad(p: Problem, params: Float32Array, from: number, to: number, grads?: Float32Array): number {
  grads?.fill(0);
  const logits = new Float64Array(CLASSES);
  let loss = 0;
  const n = to - from;
  for (let e = from; e < to; e++) {
    let max = -Infinity;
    for (let k = 0; k < CLASSES; k++) {
      let s = params[FEATURES * CLASSES + k];
      for (let j = 0; j < FEATURES; j++) s += p.x[e * FEATURES + j] * params[j * CLASSES + k];
      logits[k] = s;
      if (s > max) max = s;
    }
    let z = 0;
    for (let k = 0; k < CLASSES; k++) { logits[k] = Math.exp(logits[k] - max); z += logits[k]; }
    loss += -Math.log(logits[p.y[e]] / z);
    if (!grads) continue;
    for (let k = 0; k < CLASSES; k++) {
      const d = (logits[k] / z - (k === p.y[e] ? 1 : 0)) / n;
      grads[FEATURES * CLASSES + k] += d;
      for (let j = 0; j < FEATURES; j++) grads[j * CLASSES + k] += d * p.x[e * FEATURES + j];
    }
  }
  return loss / n;
}
