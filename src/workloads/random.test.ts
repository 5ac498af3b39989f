// Seeded generators: reproducible, separated by stream, in range, and with the right moments.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom, deriveSeed, permutation } from './random.js';

test('same seed and streams give the same sequence; any difference changes it', () => {
  const draw = (r: SeededRandom) => Array.from({ length: 8 }, () => r.nextU32());
  assert.deepEqual(draw(new SeededRandom(5, 1, 2)), draw(new SeededRandom(5, 1, 2)));
  assert.notDeepEqual(draw(new SeededRandom(5, 1, 2)), draw(new SeededRandom(5, 2, 1)));
  assert.notDeepEqual(draw(new SeededRandom(5)), draw(new SeededRandom(6)));
  assert.notEqual(deriveSeed(0, 0), deriveSeed(0));
});

test('nextInt stays in range and hits every value; next() is in [0, 1)', () => {
  const r = new SeededRandom(1);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 7000; i++) counts[r.nextInt(7)]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `bucket count ${c}`);
  for (let i = 0; i < 1000; i++) { const u = r.next(); assert.ok(u >= 0 && u < 1); }
});

test('nextNormal has mean ≈ 0 and variance ≈ 1', () => {
  const r = new SeededRandom(2);
  let s = 0;
  let s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) { const x = r.nextNormal(); s += x; s2 += x * x; }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.04);
});

test('permutation contains each index once, for n = 0, 1 and larger', () => {
  for (const n of [0, 1, 2, 17, 1000]) {
    const p = Array.from(permutation(n, new SeededRandom(n))).sort((a, b) => a - b);
    assert.deepEqual(p, Array.from({ length: n }, (_, i) => i));
  }
});
