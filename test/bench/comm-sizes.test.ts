import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import { parseSizes } from '../../src/bench/comm/sizes.js';

test('ranges expand to every power of two between the ends; lists combine and sort', () => {
  assert.deepEqual(parseSizes('1K..8K'), [1024, 2048, 4096, 8192]);
  assert.equal(parseSizes('1K..64M').length, 17);
  assert.deepEqual(parseSizes('1M,4K,1000'), [1000, 4096, 1048576]);
  assert.deepEqual(parseSizes('3000..9000,4K'), [4096, 8192]);
});

test('malformed sizes name the flag', () => {
  for (const bad of ['', '1K..', '8K..1K', 'big', '0', '1K,,2K', '2G', '1K..2K..4K']) {
    assert.throws(() => parseSizes(bad), (err: unknown) => err instanceof InvalidArgumentError && err.field === '--sizes', bad);
  }
});
