// oneHotFloat gives real 0/1 floats on every backend (the wasm OneHot kernel alone does not).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend, type BackendName } from './backend.js';
import { oneHotFloat } from './ops.js';

for (const backend of ['wasm', 'cpu'] as BackendName[]) {
  test(`${backend}: oneHotFloat rows are exact 0/1 float32, out-of-range indices give zero rows`, async () => {
    await initBackend({ backend, fallbackToCpu: false });
    const out = tf.tidy(() => oneHotFloat(tf.tensor2d([[0, 2], [1, 3]], [2, 2], 'int32'), 3));
    assert.equal(out.dtype, 'float32');
    assert.deepEqual(out.shape, [2, 2, 3]);
    assert.deepEqual(Array.from(out.dataSync()), [1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    out.dispose();
  });
}
