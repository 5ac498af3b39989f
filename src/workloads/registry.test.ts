// The registry knows the three workloads and names the valid choices for an unknown one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getWorkload, registerWorkload, workloadNames } from './registry.js';
import { InvalidArgumentError } from '../errors.js';

test('workloads are found by name; an unknown name lists the valid ones', () => {
  assert.deepEqual(workloadNames().sort(), ['char-gpt', 'mnist-mlp', 'synthetic']);
  for (const name of workloadNames()) assert.equal(getWorkload(name).name, name);
  assert.throws(() => getWorkload('resnet'), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'workload' && /mnist-mlp/.test(e.message));
});

test('a registered workload object is found by name; taken or path-like names are refused', () => {
  const custom = { ...getWorkload('synthetic'), name: 'fashion-mlp' };
  registerWorkload(custom);
  assert.equal(getWorkload('fashion-mlp'), custom);
  assert.throws(() => registerWorkload(custom), /not registered yet/);
  assert.throws(() => registerWorkload({ ...custom, name: 'my.js' }), InvalidArgumentError);
  assert.throws(() => registerWorkload({ ...custom, name: 'a/b' }), InvalidArgumentError);
});
