// Tests of Lion option defaults, validation errors (code, field, value) and coefficient rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { layoutFromLengths } from './param-layout.js';
import { resolveLionOptions, type LionOptions } from './lion-options.js';
import { lionCoefficients } from './lion-numerics.js';

const layout = layoutFromLengths([{ name: 'w', length: 4 }, { name: 'b', length: 2 }]);

function assertInvalid(options: unknown, field: string, value?: unknown): void {
  assert.throws(() => resolveLionOptions(layout, options as LionOptions), (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError, String(err));
    assert.equal(err.code, 'invalid_argument');
    assert.equal(err.field, field);
    if (arguments.length > 2) assert.ok(Object.is(err.value, value), `value ${String(err.value)}`);
    return true;
  });
}

test('defaults: β1 0.9, β2 0.99, no decay, all segments decayable, no clipping', () => {
  const r = resolveLionOptions(layout, { lr: 1e-4 });
  assert.equal(r.beta1, 0.9);
  assert.equal(r.beta2, 0.99);
  assert.equal(r.weightDecay, 0);
  assert.deepEqual(r.decayed, [true, true]);
  assert.equal(r.maxGradNorm, null);
  assert.equal(r.schedule(123), 1e-4);
});

test('a schedule is kept as given', () => {
  const schedule = (t: number) => 0.1 / (t + 1);
  assert.equal(resolveLionOptions(layout, { lr: schedule }).schedule, schedule);
});

test('every bad value is rejected with its field and value', () => {
  assertInvalid({ lr: -0.1 }, 'lr', -0.1);
  assertInvalid({ lr: Number.NaN }, 'lr');
  assertInvalid({ lr: Infinity }, 'lr', Infinity);
  assertInvalid({ lr: '0.1' }, 'lr', '0.1');
  assertInvalid({}, 'lr', undefined);
  assertInvalid({ lr: 0.1, beta1: 1 }, 'beta1', 1);
  assertInvalid({ lr: 0.1, beta1: -0.1 }, 'beta1', -0.1);
  assertInvalid({ lr: 0.1, beta2: Number.NaN }, 'beta2');
  assertInvalid({ lr: 0.1, weightDecay: -1 }, 'weightDecay', -1);
  assertInvalid({ lr: 0.1, weightDecay: Infinity }, 'weightDecay', Infinity);
  assertInvalid({ lr: 0.1, maxGradNorm: 0 }, 'maxGradNorm', 0);
  assertInvalid({ lr: 0.1, maxGradNorm: -1 }, 'maxGradNorm', -1);
  assertInvalid({ lr: 0.1, weightDecayMask: { exclude: ['bias'] } }, 'weightDecayMask.exclude[0]', 'bias');
  assertInvalid({ lr: 0.1, weight_decay: 0.1 }, 'options.weight_decay', 0.1);
  assertInvalid(null, 'options');
});

test('beta 0 is allowed (c = g, or momentum = the last gradient)', () => {
  const r = resolveLionOptions(layout, { lr: 0.1, beta1: 0, beta2: 0 });
  assert.equal(r.beta1, 0);
  assert.equal(r.beta2, 0);
});

test('kernel coefficients: each scalar rounded once to float32', () => {
  const k = lionCoefficients({ lr: 3e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decayed: true });
  assert.equal(k.b1, Math.fround(0.9));
  assert.equal(k.omb1, Math.fround(1 - 0.9));
  assert.equal(k.b2, Math.fround(0.99));
  assert.equal(k.omb2, Math.fround(1 - 0.99));
  assert.equal(k.lrf, Math.fround(3e-4));
  assert.equal(k.decay, Math.fround(1 - 3e-4 * 0.1));
  assert.equal(k.gradScale, 1);
  // 1 − β1 is computed before rounding: fround(1 − 0.9) differs from fround(1 − fround(0.9)).
  assert.notEqual(Math.fround(1 - 0.9), Math.fround(1 - Math.fround(0.9)));
  assert.equal(lionCoefficients({ lr: 3e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decayed: false }).decay, 1);
  assert.throws(() => lionCoefficients({ lr: 2, beta1: 0.9, beta2: 0.99, weightDecay: 1, decayed: true }),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'weightDecay');
  assert.throws(() => lionCoefficients({ lr: 1, beta1: 0.9, beta2: 0.99, weightDecay: 0, decayed: true, gradScale: Number.NaN }),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === 'gradScale');
});
