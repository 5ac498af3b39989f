import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterBits, counterUniform, mix32, streamKey } from './counter-hash.js';
import { unpackSigned } from './pbit-pack.js';
import { quantize } from './quant.js';
import { packedWordCount, wholeVector } from './quant-options.js';

test('mix32 matches hand-computed values and is a bijection on a sample', () => {
  // mix32(0) = 0: every step maps 0 to 0.
  assert.equal(mix32(0), 0);
  // mix32(1): 1 ^ 0 = 1; ·0x21f0aaad = 0x21f0aaad; ^ (>>>15 = 0x43e1) = 0x21f0e94c;
  // ·0x735a2d97 mod 2^32, ^ >>>15: checked against BigInt arithmetic below.
  const ref = (x: bigint): bigint => {
    const M = 0xffffffffn;
    x ^= x >> 16n; x = (x * 0x21f0aaadn) & M; x ^= x >> 15n; x = (x * 0x735a2d97n) & M; x ^= x >> 15n;
    return x;
  };
  for (const x of [1, 2, 0x80000000, 0xffffffff, 123456789]) assert.equal(mix32(x), Number(ref(BigInt(x))));
  const seen = new Set<number>();
  for (let i = 0; i < 100000; i++) seen.add(mix32(i));
  assert.equal(seen.size, 100000);
});

test('counter uniforms are uniform on [0, 1) and differ between seeds and steps', () => {
  const key = streamKey(7, 3);
  const buckets = new Array(16).fill(0);
  const n = 1 << 16;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const u = counterUniform(key, i);
    assert.ok(u >= 0 && u < 1 && Math.fround(u) === u);
    sum += u;
    buckets[Math.floor(u * 16)]++;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.01);
  // χ² with 15 degrees of freedom: 40 is far beyond the 0.1% tail (37.7).
  const expected = n / 16;
  const chi2 = buckets.reduce((a, b) => a + ((b - expected) ** 2) / expected, 0);
  assert.ok(chi2 < 40, `chi2 ${chi2}`);
  assert.notEqual(counterBits(streamKey(7, 3), 5), counterBits(streamKey(7, 4), 5));
  assert.notEqual(counterBits(streamKey(7, 3), 5), counterBits(streamKey(8, 3), 5));
});

function draw(c: Float32Array, levels: number, seed: number, step: number, bits: 4 | 8 = 8): Int32Array {
  const code = new Uint32Array(packedWordCount(c.length, bits));
  quantize(c, wholeVector(c.length), { bits, method: 'stochastic', levels, seed, step }, code);
  const q = new Int32Array(c.length);
  unpackSigned(code, bits, c.length, q);
  return q;
}

test('stochastic rounding is reproducible from (seed, step) and changes with either', () => {
  const c = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.7));
  assert.deepEqual(draw(c, 7, 42, 10), draw(c, 7, 42, 10));
  assert.notDeepEqual(draw(c, 7, 42, 10), draw(c, 7, 42, 11));
  assert.notDeepEqual(draw(c, 7, 42, 10), draw(c, 7, 43, 10));
});

test('stochastic rounding is unbiased: the mean over steps approaches c·s/‖c‖₂', () => {
  const c = Float32Array.from([0.3, -0.7, 0.05, 1.2, -0.01, 0, 0.9, -1.1]);
  const s = 7;
  const norm = Math.sqrt(c.reduce((a, x) => a + x * x, 0));
  const draws = 4000;
  const mean = new Float64Array(c.length);
  for (let step = 0; step < draws; step++) {
    const q = draw(c, s, 99, step, 4);
    for (let i = 0; i < c.length; i++) mean[i] += q[i] / draws;
  }
  for (let i = 0; i < c.length; i++) {
    const expected = (c[i] * s) / norm;
    // Each draw has variance ≤ 1/4, so the mean of 4000 has σ ≤ 0.008; 0.04 is 5σ.
    assert.ok(Math.abs(mean[i] - expected) < 0.04, `value ${i}: mean ${mean[i]} vs ${expected}`);
    // Only the two neighbouring levels are ever drawn.
    const q = draw(c, s, 99, 1234, 4)[i];
    assert.ok(Math.abs(q - expected) < 1, `value ${i}: q ${q} vs ${expected}`);
  }
});
