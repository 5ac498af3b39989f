import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bf16Payload, fromBf16, toBf16 } from './bf16.js';
import { f32ToBf16 } from '../comm/reduce-ops.js';
import { randomFloat32 } from '../random.js';
import { kernelMemory } from '../kernels/load.js';

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

test('the wasm kernels give the JS words and values for every length remainder and for NaN payloads', () => {
  for (const n of [0, 1, 7, 8, 9, 1001]) {
    const src = randomFloat32(n, n + 1, { zeroFraction: 0.05, scale: 1e3 });
    const specials = new Uint32Array([0x7fc00001, 0xffffffff, 0x7f800001, 0x7f800000, 0xff800000, 0x80000000, 0x3f808000, 0x3f818000, 0x7f7fffff]);
    new Uint32Array(src.buffer, src.byteOffset, Math.min(n, specials.length)).set(specials.subarray(0, Math.min(n, specials.length)));
    const srcRegion = kernelMemory.allocF32(n);
    const wordsRegion = kernelMemory.alloc(2 * n + 2);
    const backRegion = kernelMemory.allocF32(n);
    try {
      srcRegion.f32().set(src);
      const kernelWords = wordsRegion.u16().subarray(0, n);
      toBf16(srcRegion.f32(), kernelWords);
      const jsWords = new Uint16Array(n);
      toBf16(src, jsWords);
      assert.deepEqual([...kernelWords], [...jsWords], `words, n = ${n}`);
      fromBf16(kernelWords, backRegion.f32());
      const jsBack = new Float32Array(n);
      fromBf16(jsWords, jsBack);
      assert.deepEqual([...new Uint32Array(backRegion.f32().slice().buffer)], [...new Uint32Array(jsBack.buffer)], `values, n = ${n}`);
    } finally {
      kernelMemory.release(srcRegion);
      kernelMemory.release(wordsRegion);
      kernelMemory.release(backRegion);
    }
  }
});

test('Bf16Payload encodes into ordinary memory, decodes back like the JS path, checks its capacity and frees its memory', () => {
  const inUse = kernelMemory.bytesInUse;
  const payload = new Bf16Payload(100);
  const src = randomFloat32(37, 3, { scale: 10 });
  const words = payload.encode(src);
  assert.ok(!kernelMemory.contains(words), 'the words the allreduce holds live outside kernel memory');
  const expected = new Uint16Array(src.length);
  toBf16(src, expected);
  assert.deepEqual([...words], [...expected]);
  const back = new Float32Array(src.length);
  payload.decode(words, back);
  const expectedBack = new Float32Array(src.length);
  fromBf16(expected, expectedBack);
  assert.deepEqual([...back], [...expectedBack]);
  assert.throws(() => payload.encode(new Float32Array(101)), /capacity 100/);
  payload.dispose();
  payload.dispose();
  assert.equal(kernelMemory.bytesInUse, inUse);
  assert.throws(() => payload.encode(src), /after dispose/);
});
