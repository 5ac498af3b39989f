import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelMemory, canUseWasm } from '../kernels/load.js';
import { randomFloat32 } from '../random.js';
import { segmentsFor } from './test-support/segments.js';
import { lionEncodeQuant, quantize } from './quant.js';
import { packedWordCount, QUANT_METHODS, type QuantBits, type QuantizeOptions } from './quant-options.js';

const LENGTHS = [0, 1, 31, 32, 33, 1000, 2 ** 20 + 3];

test('wasm and JS quantisers produce identical codes (every method, bit width, length; plain and fused)', () => {
  for (const n of LENGTHS) {
    const m = kernelMemory.allocF32(n);
    const g = kernelMemory.allocF32(n);
    // Exact zeros exercise abstention and zero segments; a few large values exercise clamping.
    m.f32().set(randomFloat32(n, n + 1, { zeroFraction: 0.05, scale: 3 }));
    g.f32().set(randomFloat32(n, n + 2, { zeroFraction: 0.05 }));
    if (n > 40) m.f32()[17] = 1000;
    const segments = segmentsFor(n, n);
    for (const bits of [2, 4, 8] as QuantBits[]) {
      const out = kernelMemory.allocU32(packedWordCount(n, bits));
      for (const method of QUANT_METHODS) {
        if (method === 'ternary' && bits !== 2 && n > 2000) continue; // same kernel as l1; keeps the test short
        const options: QuantizeOptions = { bits, method, seed: 12345, step: 678 };
        assert.ok(canUseWasm(m.f32(), out.u32()));
        // Garbage in the output buffer must not leak into the code.
        out.u32().fill(0xdeadbeef);
        quantize(m.f32(), segments, options, out.u32());
        const js = new Uint32Array(out.u32().length);
        quantize(Float32Array.from(m.f32()), segments, options, js);
        assert.deepEqual(out.u32(), js, `quantize ${method} bits=${bits} n=${n}`);
        out.u32().fill(0xdeadbeef);
        lionEncodeQuant(m.f32(), g.f32(), 0.95, segments, options, out.u32());
        lionEncodeQuant(Float32Array.from(m.f32()), Float32Array.from(g.f32()), 0.95, segments, options, js);
        assert.deepEqual(out.u32(), js, `lionEncodeQuant ${method} bits=${bits} n=${n}`);
      }
      kernelMemory.release(out);
    }
    kernelMemory.release(m);
    kernelMemory.release(g);
  }
});

test('wasm and JS agree on NaN, ±Infinity, denormals and huge values', () => {
  const special = [Number.NaN, Infinity, -Infinity, 1e-45, -1e-45, 3e38, -3e38, 0, -0, 1, -1, 0.5];
  for (const bits of [2, 4, 8] as QuantBits[]) {
    for (const method of QUANT_METHODS) {
      for (let drop = 0; drop < 3; drop++) {
        // Without the NaN and infinities too, so the scale is finite and the other special values are coded.
        const values = special.slice(drop === 0 ? 0 : 3).concat(Array.from({ length: 40 }, (_, i) => (drop === 2 ? 1e-40 : 1) * Math.sin(i)));
        const n = values.length;
        const c = kernelMemory.allocF32(n);
        c.f32().set(values);
        const out = kernelMemory.allocU32(packedWordCount(n, bits));
        const options: QuantizeOptions = { bits, method, seed: 1, step: 2 };
        quantize(c.f32(), [{ offset: 0, length: n }], options, out.u32());
        const js = new Uint32Array(out.u32().length);
        quantize(Float32Array.from(values), [{ offset: 0, length: n }], options, js);
        assert.deepEqual(out.u32(), js, `${method} bits=${bits} drop=${drop}`);
        kernelMemory.release(c);
        kernelMemory.release(out);
      }
    }
  }
});

test('wasm and JS round exact halves to even and clamp at ±s (linf with k = 1)', () => {
  // linf: k = s / (2·max|c|); with max|c| = s/2 = 3.5 at 4 bits, k = 1 and every c·k below is exact.
  const halves = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, -3.5, 0.49999997, 2.5000002, -0, 0];
  const expected = [0, -0, 2, -2, 2, -2, 4, -4, 0, 3, 0, 0];
  const n = 64;
  const values = Array.from({ length: n }, (_, i) => halves[i % halves.length]);
  const c = kernelMemory.allocF32(n);
  c.f32().set(values);
  const out = kernelMemory.allocU32(packedWordCount(n, 4));
  quantize(c.f32(), [{ offset: 0, length: n }], { bits: 4, method: 'linf' }, out.u32());
  const js = new Uint32Array(out.u32().length);
  quantize(Float32Array.from(values), [{ offset: 0, length: n }], { bits: 4, method: 'linf' }, js);
  assert.deepEqual(out.u32(), js);
  for (let i = 0; i < n; i++) {
    const nibble = (out.u32()[i >>> 3] >>> (4 * (i & 7))) & 15;
    assert.equal(nibble >= 8 ? nibble - 16 : nibble, expected[i % halves.length] + 0, `value ${values[i]}`);
  }
  kernelMemory.release(c);
  kernelMemory.release(out);
});

test('the fused encode reports whether every g is finite, on both paths, wherever the NaN or ±∞ sits', () => {
  const n = 1000;
  const segments = segmentsFor(n, 5);
  const m = kernelMemory.allocF32(n);
  const g = kernelMemory.allocF32(n);
  m.f32().set(randomFloat32(n, 1, { scale: 0.01 }));
  for (const bits of [2, 4, 8] as QuantBits[]) {
    const out = kernelMemory.allocU32(packedWordCount(n, bits));
    for (const method of ['l1', 'stochastic', 'sign'] as const) {
      const options: QuantizeOptions = { bits, method, seed: 3, step: 4 };
      // -1: all finite; then the first value, values in and out of the 16-byte chunks, and the last one.
      for (const at of [-1, 0, 1, 37, 500, 998, 999]) {
        for (const bad of at < 0 ? [0] : [Number.NaN, Infinity, -Infinity]) {
          g.f32().set(randomFloat32(n, 2, { scale: 0.1 }));
          if (at >= 0) g.f32()[at] = bad;
          const what = `${method} bits=${bits} g[${at}] = ${bad}`;
          const wasm = lionEncodeQuant(m.f32(), g.f32(), 0.9, segments, options, out.u32());
          const js = lionEncodeQuant(Float32Array.from(m.f32()), Float32Array.from(g.f32()), 0.9, segments, options, new Uint32Array(out.u32().length));
          assert.equal(wasm, at < 0, what);
          assert.equal(js, at < 0, what);
        }
      }
    }
    kernelMemory.release(out);
  }
  kernelMemory.release(m);
  kernelMemory.release(g);
});
