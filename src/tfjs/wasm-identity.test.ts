// Identity on wasm shares its input's buffer: a clone has the same values without a copy, and disposing either
// leaves the other intact; the backend's own copying kernel comes back when uninstalled.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.js';
import { initBackend } from './backend.js';
import { installAliasingIdentity, uninstallAliasingIdentity } from './wasm-identity.js';

test('a clone on wasm shares the buffer, counts its reference and survives the original', async () => {
  await initBackend({ backend: 'wasm', fallbackToCpu: false });
  assert.equal(installAliasingIdentity('wasm'), true);
  const backend = tf.engine().backend as unknown as { numDataIds(): number; refCount(dataId: object): number };
  const buffersBefore = backend.numDataIds();
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId);
  assert.equal(backend.refCount(x.dataId), 2);
  assert.equal(backend.numDataIds(), buffersBefore + 1, 'one buffer for both');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  y.dispose();
  assert.equal(backend.numDataIds(), buffersBefore);

  uninstallAliasingIdentity('wasm');
  const a = tf.tensor1d([4, 5]);
  const b = tf.clone(a);
  assert.notEqual(b.dataId, a.dataId, 'the shipped kernel copies');
  tf.dispose([a, b]);
  installAliasingIdentity('wasm');
});
