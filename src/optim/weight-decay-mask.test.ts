// Tests of weight-decay mask resolution: predicates, include/exclude globs, unknown names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { layoutFromLengths } from './param-layout.js';
import { globToRegExp, resolveWeightDecayMask } from './weight-decay-mask.js';

const layout = layoutFromLengths([
  { name: 'dense_1/kernel', length: 6 },
  { name: 'dense_1/bias', length: 3 },
  { name: 'layer_norm/gamma', length: 3 },
  { name: 'layer_norm/beta', length: 3 },
  { name: 'out.kernel', length: 2 },
]);

function assertInvalid(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => err instanceof InvalidArgumentError && err.code === 'invalid_argument' && err.field === field);
}

test('no mask: every segment is decayed', () => {
  assert.deepEqual(resolveWeightDecayMask(layout, undefined), [true, true, true, true, true]);
});

test('exclude by globs: the usual "no decay on biases and norms"', () => {
  assert.deepEqual(resolveWeightDecayMask(layout, { exclude: ['*/bias', 'layer_norm/*'] }), [true, false, false, false, true]);
});

test('include by exact names and ? globs', () => {
  assert.deepEqual(resolveWeightDecayMask(layout, { include: ['dense_?/kernel', 'out.kernel'] }), [true, false, false, false, true]);
});

test('a predicate decides per segment name', () => {
  assert.deepEqual(resolveWeightDecayMask(layout, (name) => name.endsWith('kernel')), [true, false, false, false, true]);
});

test('glob characters other than * and ? are literal', () => {
  assert.ok(globToRegExp('out.kernel').test('out.kernel'));
  assert.ok(!globToRegExp('out.kernel').test('outXkernel'));
  assert.ok(globToRegExp('a(b)[c]{d}+|^$\\').test('a(b)[c]{d}+|^$\\'));
  assert.ok(globToRegExp('*').test('any/thing.at all'));
  assert.ok(!globToRegExp('a?').test('a'));
});

test('unknown names, bad shapes and non-boolean predicates are typed errors', () => {
  assertInvalid(() => resolveWeightDecayMask(layout, { exclude: ['*/bias', 'conv/bias'] }), 'weightDecayMask.exclude[1]');
  assertInvalid(() => resolveWeightDecayMask(layout, { include: ['nothing*'] }), 'weightDecayMask.include[0]');
  assertInvalid(() => resolveWeightDecayMask(layout, { include: [''] }), 'weightDecayMask.include[0]');
  assertInvalid(() => resolveWeightDecayMask(layout, { include: 'dense' } as never), 'weightDecayMask.include');
  assertInvalid(() => resolveWeightDecayMask(layout, { include: [], exclude: [] } as never), 'weightDecayMask');
  assertInvalid(() => resolveWeightDecayMask(layout, {} as never), 'weightDecayMask');
  assertInvalid(() => resolveWeightDecayMask(layout, (() => 1) as never), 'weightDecayMask');
  assert.throws(() => resolveWeightDecayMask(layout, { exclude: ['conv/bias'] }), /conv\/bias.*dense_1\/kernel/);
});
