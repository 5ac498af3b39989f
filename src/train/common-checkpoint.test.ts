// The newest common intact step: every rank must hold it, damaged files are not counted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newestCommonStep } from './common-checkpoint.js';

test('the newest step every rank holds wins, whatever the order of the lists', () => {
  assert.equal(newestCommonStep([[4, 6], [6, 4], [4, 6]]), 6);
  assert.equal(newestCommonStep([[6, 4], [4], [4, 6]]), 4, 'one rank missing step 6 moves every rank back');
  assert.equal(newestCommonStep([[2]]), 2);
});

test('no common step, no ranks, or no steps gives undefined', () => {
  assert.equal(newestCommonStep([[4], [6]]), undefined);
  assert.equal(newestCommonStep([]), undefined);
  assert.equal(newestCommonStep([[], []]), undefined);
});
