// Slurm host-list expansion: ranges, lists, zero padding, several groups, several items, and malformed lists.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { expandNodelist } from './slurm-nodelist.js';

test('ranges, lists, padding, plain names and several groups expand in order', () => {
  assert.deepEqual(expandNodelist('node[1-3,7]'), ['node1', 'node2', 'node3', 'node7']);
  assert.deepEqual(expandNodelist('a[01-03],b7'), ['a01', 'a02', 'a03', 'b7']);
  assert.deepEqual(expandNodelist('gpu[08-10]'), ['gpu08', 'gpu09', 'gpu10']);
  assert.deepEqual(expandNodelist('localhost'), ['localhost']);
  assert.deepEqual(expandNodelist('r[1-2]-n[1,3]'), ['r1-n1', 'r1-n3', 'r2-n1', 'r2-n3']);
  assert.deepEqual(expandNodelist('x[1-2].cluster,y'), ['x1.cluster', 'x2.cluster', 'y']);
});

test('malformed lists are refused naming the variable', () => {
  for (const bad of ['node[1-3', 'node]1[', 'node[3-1]', 'node[a-b]', 'n[[1]]', 'n[1-200000]']) {
    assert.throws(() => expandNodelist(bad), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'SLURM_JOB_NODELIST', bad);
  }
});
