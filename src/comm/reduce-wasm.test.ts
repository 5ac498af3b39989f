// The wasm reductions against the JS reference: every dtype and op, odd lengths and offsets, random bit patterns.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelMemory, setWasmKernelsEnabled } from '../kernels/load.js';
import { seededRandom } from '../random.js';
import { DTYPE_BYTES, type DType } from './codes.js';
import { elementView } from './collectives/views.js';
import { combineInto, combineIntoJs, type ElementArray } from './reduce-ops.js';
import { combineWasm } from './reduce-wasm.js';

const DTYPES: DType[] = ['float32', 'bfloat16', 'int8', 'int16', 'int32', 'uint8', 'uint32'];
const LENGTHS = [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 1000, 2 ** 20 + 3];
const DST_START = 3;
const SRC_START = 5;

/** Random bytes: every bit pattern occurs, so floats include NaNs, infinities, zeros and subnormals. */
function randomBytes(byteLength: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  const out = new Uint8Array(byteLength);
  for (let i = 0; i < byteLength; i++) out[i] = (rand() * 256) | 0;
  return out;
}

/** The same bits, or (float32 only) two NaNs: NaN payloads are not part of the contract. */
function sameElement(dtype: DType, a: number, b: number): boolean {
  return Object.is(a, b) || (dtype === 'float32' && Number.isNaN(a) && Number.isNaN(b));
}

function compare(dtype: DType, op: 'sum' | 'max', divisor: number, length: number, seed: number): void {
  const bytes = DTYPE_BYTES[dtype];
  const dstBytes = randomBytes((DST_START + length) * bytes, seed);
  const srcBytes = randomBytes((SRC_START + length) * bytes, seed + 1);
  const dstRegion = kernelMemory.alloc(dstBytes.byteLength);
  const srcRegion = kernelMemory.alloc(srcBytes.byteLength);
  try {
    dstRegion.u8().set(dstBytes);
    srcRegion.u8().set(srcBytes);
    const wasmDst = elementView(dtype, dstRegion.u8());
    assert.ok(combineWasm(dtype, op, wasmDst, DST_START, elementView(dtype, srcRegion.u8()), SRC_START, length, divisor), 'wasm ran');
    const jsDst = elementView(dtype, dstBytes.slice());
    combineIntoJs(dtype, op, jsDst, DST_START, elementView(dtype, srcBytes), SRC_START, length, divisor);
    const got = elementView(dtype, dstRegion.u8());
    for (let i = 0; i < jsDst.length; i++) {
      if (!sameElement(dtype, got[i], jsDst[i])) {
        assert.fail(`${dtype} ${op}/${divisor} length ${length}: element ${i} is ${got[i]} in wasm, ${jsDst[i]} in JS`);
      }
    }
  } finally {
    kernelMemory.release(dstRegion);
    kernelMemory.release(srcRegion);
  }
}

test('wasm reductions equal the JS reference bit for bit on every dtype, op, length and offset', () => {
  let seed = 1;
  for (const dtype of DTYPES) {
    const ops: [('sum' | 'max'), number][] = [['sum', 1], ['max', 1]];
    if (dtype === 'float32' || dtype === 'bfloat16') ops.push(['sum', 3], ['sum', 4]);
    for (const [op, divisor] of ops) for (const length of LENGTHS) compare(dtype, op, divisor, length, (seed += 2));
  }
});

test('float32 sums that round, and the mean of them, match float32 arithmetic in wasm', () => {
  const region = kernelMemory.allocF32(40);
  const srcRegion = kernelMemory.allocF32(40);
  try {
    const dst = region.f32();
    const src = srcRegion.f32();
    for (let i = 0; i < 40; i++) { dst[i] = 0.1 * (i + 1); src[i] = 1e8 / (i + 1); }
    const expected = Array.from(dst, (d, i) => Math.fround(Math.fround(d + src[i]) / 3));
    combineInto('float32', 'sum', dst as ElementArray, 0, src, 0, 40, 3);
    assert.deepEqual(Array.from(dst), expected);
  } finally {
    kernelMemory.release(region);
    kernelMemory.release(srcRegion);
  }
});

test('combineInto uses wasm only for kernel memory with wasm kernels on; otherwise the JS reference', () => {
  const plain = new Float32Array(4);
  assert.equal(combineWasm('float32', 'sum', plain, 0, new Float32Array(4), 0, 4, 1), false, 'arrays outside kernel memory');
  const region = kernelMemory.allocF32(4);
  try {
    setWasmKernelsEnabled(false);
    assert.equal(combineWasm('float32', 'sum', region.f32(), 0, region.f32(), 0, 4, 1), false, 'wasm kernels turned off');
    setWasmKernelsEnabled(true);
    region.f32().set([1, 2, 3, 4]);
    combineInto('float32', 'sum', region.f32(), 0, Float32Array.from([1, 1, 1, 1]), 0, 4);
    assert.deepEqual(Array.from(region.f32()), [2, 3, 4, 5], 'one array outside kernel memory: JS');
  } finally {
    setWasmKernelsEnabled(true);
    kernelMemory.release(region);
  }
});
