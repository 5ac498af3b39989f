// Tests of each composed transform on hand-sized inputs, and of chain().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { layoutFromLengths } from './param-layout.js';
import {
  addDecayedWeights, applyUpdates, chain, clipByGlobalNorm, scaleByLearningRate, scaleByLion, updatesFromGradients,
} from './transforms.js';

const layout = layoutFromLengths([{ name: 'w', length: 2 }, { name: 'b', length: 1 }]);
const f = Math.fround;

test('scaleByLion writes sign(c) and advances the momentum', () => {
  const tx = scaleByLion(0.5, 0.75);
  const params = new Float32Array(3);
  const state = tx.init(layout, params);
  state.momentum.set([1, -1, 0]);
  const updates = updatesFromGradients(layout, new Float32Array([-3, -3, -0]));
  tx.update(updates, state, params);
  // c = 0.5·m + 0.5·g = [−1, −2, 0 + (−0) = +0]: signs [−1, −1, 0]; m = 0.75·m + 0.25·g = [0, −1.5, +0].
  assert.deepEqual([...updates.values], [-1, -1, 0]);
  assert.deepEqual([...state.momentum], [0, -1.5, 0]);
  assert.ok(Object.is(updates.values[2], 0), 'a zero update is +0');
});

test('addDecayedWeights keeps λ symbolic per segment, on masked-in segments only', () => {
  const tx = addDecayedWeights(0.5, { exclude: ['b'] });
  const decayed = tx.init(layout, new Float32Array(3));
  const updates = updatesFromGradients(layout, new Float32Array([1, 2, 3]));
  tx.update(updates, decayed, new Float32Array(3));
  assert.deepEqual([...updates.paramCoef], [0.5, 0]);
  assert.deepEqual([...updates.values], [1, 2, 3], 'values untouched');
  // apply: θ' = θ·(1 + κ) + u per segment.
  const params = new Float32Array([2, 4, 8]);
  applyUpdates(params, updates);
  assert.deepEqual([...params], [2 * 1.5 + 1, 4 * 1.5 + 2, 8 + 3]);
});

test('scaleByLearningRate multiplies by −η(count), reading the schedule at every update', () => {
  const seen: number[] = [];
  const tx = scaleByLearningRate((t) => { seen.push(t); return [0.5, 0.25, 0][t] ?? 1; });
  let state = tx.init(layout, new Float32Array(3));
  for (const eta of [0.5, 0.25, 0]) {
    const updates = updatesFromGradients(layout, new Float32Array([1, -1, 0]));
    updates.paramCoef.set([2, 0]);
    state = tx.update(updates, state, new Float32Array(3));
    assert.deepEqual([...updates.values], [-eta, eta, -0].map(f));
    assert.deepEqual([...updates.paramCoef], [-2 * eta, -0]);
  }
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(state.count, 3);
  const bad = scaleByLearningRate(() => -1);
  assert.throws(() => bad.update(updatesFromGradients(layout, new Float32Array(3)), bad.init(layout, new Float32Array(3)), new Float32Array(3)),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'lr');
});

test('clipByGlobalNorm scales only above the cap', () => {
  const tx = clipByGlobalNorm(5);
  const below = updatesFromGradients(layout, new Float32Array([3, 4, 0]));
  tx.update(below, null, new Float32Array(3));
  assert.deepEqual([...below.values], [3, 4, 0], 'norm 5 = cap: untouched');
  const above = updatesFromGradients(layout, new Float32Array([6, 8, 0]));
  tx.update(above, null, new Float32Array(3));
  assert.deepEqual([...above.values], [3, 4, 0], 'norm 10: scaled by 1/2');
  assert.throws(() => clipByGlobalNorm(0), InvalidArgumentError);
});

test('chain threads each transform its own state, in order', () => {
  const tx = chain(scaleByLion(0, 0), scaleByLearningRate(0.5));
  const params = new Float32Array([1, 1, 1]);
  let state = tx.init(layout, params);
  const updates = updatesFromGradients(layout, new Float32Array([2, -2, 0]));
  state = tx.update(updates, state, params);
  applyUpdates(params, updates);
  // β1 = 0: c = g; u = −0.5·sign(g); θ = 1 − 0.5·[1, −1, 0].
  assert.deepEqual([...params], [0.5, 1.5, 1]);
  assert.deepEqual([...(state[0] as { momentum: Float32Array }).momentum], [2, -2, 0]);
  assert.deepEqual(state[1], { count: 1 });
});

test('length mismatches are typed errors', () => {
  assert.throws(() => updatesFromGradients(layout, new Float32Array(2)), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'grads');
  assert.throws(() => applyUpdates(new Float32Array(4), updatesFromGradients(layout, new Float32Array(3))),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'params');
  assert.throws(() => scaleByLion(1, 0.5), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'beta1');
  assert.throws(() => addDecayedWeights(-1), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'weightDecay');
});
