// The one median every measurement summary uses: odd and even counts, unsorted input left alone, empty input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median } from './stats.js';

test('median: the middle value, the mean of the middle two for an even count, NaN for none; the input is not sorted in place', () => {
  const values = [4, 1, 3, 2];
  assert.equal(median(values), 2.5);
  assert.deepEqual(values, [4, 1, 3, 2]);
  assert.equal(median([5, 9, 1]), 5);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
});
