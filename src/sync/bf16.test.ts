import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBf16, toBf16 } from './bf16.js';
import { f32ToBf16 } from '../comm/reduce-ops.js';
import { randomFloat32 } from '../test-support/random.js';

test('bulk conversion equals the scalar reference, including ties, NaN, infinities and signed zeros', () => {
  const src = randomFloat32(10_000, 5, { zeroFraction: 0.01, scale: 1e4 });
  src.set([NaN, Infinity, -Infinity, -0, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.4e38], 0);
  const words = new Uint16Array(src.length);
  toBf16(src, words);
  for (let i = 0; i < src.length; i++) assert.equal(words[i], f32ToBf16(src[i]), `index ${i} (${src[i]})`);
  // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: to even (1); 1 + 3·2^-8 rounds up to 1 + 2^-6.
  const back = new Float32Array(src.length);
  fromBf16(words, back);
  assert.equal(back[4], 1);
  assert.equal(back[5], 1 + 2 ** -6);
  assert.ok(Object.is(back[3], -0));
  assert.ok(Number.isNaN(back[0]));
});

test('fromBf16 can scale while widening (the mean after a sum)', () => {
  const words = new Uint16Array(3);
  toBf16(new Float32Array([4, -8, 0.5]), words);
  const out = new Float32Array(3);
  fromBf16(words, out, 0.25);
  assert.deepEqual([...out], [1, -2, 0.125]);
});
