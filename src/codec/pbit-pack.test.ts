import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError } from '../errors.js';
import { packSigned, packedWordCount, unpackSigned } from './pbit-pack.js';
import type { QuantBits } from './quant-options.js';

test('hand-worked layouts for 2, 4 and 8 bits (LSB first, two\'s complement, zero padding)', () => {
  const two = new Uint32Array(1);
  // 1, −1, −2, 0, 1 → fields 01 11 10 00 01 (value 0 lowest) → 0b01_00_10_11_01 = 256 + 32 + 12 + 1 = 0x12D
  packSigned(Int8Array.of(1, -1, -2, 0, 1), 2, two);
  assert.deepEqual([...two], [0x12d]);
  const four = new Uint32Array(2);
  // 0..7 then −8, −1: nibbles 0 1 2 3 4 5 6 7 | 8 F
  packSigned(Int8Array.of(0, 1, 2, 3, 4, 5, 6, 7, -8, -1), 4, four);
  assert.deepEqual([...four], [0x76543210, 0xf8]);
  const eight = new Uint32Array(2);
  packSigned(Int8Array.of(127, -128, -1, 2, 5), 8, eight);
  assert.deepEqual([...eight], [0x02ff807f, 0x05]);
  assert.equal(packedWordCount(5, 8), 2);
  assert.equal(packedWordCount(33, 2), 3);
});

test('property: unpack(pack(v)) = v for every bit width and length', () => {
  fc.assert(
    fc.property(fc.constantFrom<QuantBits>(2, 4, 8).chain((bits) => fc.tuple(fc.constant(bits),
      fc.array(fc.integer({ min: -(1 << (bits - 1)), max: (1 << (bits - 1)) - 1 }), { maxLength: 200 }))),
    ([bits, list]) => {
      const packed = new Uint32Array(packedWordCount(list.length, bits));
      packSigned(Int32Array.from(list), bits, packed);
      const tailBits = (list.length * bits) % 32;
      if (tailBits !== 0) assert.equal(packed[packed.length - 1] >>> tailBits, 0, 'padding is zero');
      const back = new Int32Array(list.length);
      unpackSigned(packed, bits, list.length, back);
      assert.deepEqual([...back], list);
    }),
    { numRuns: 300 },
  );
});

test('out-of-range values and wrong lengths are typed errors', () => {
  assert.throws(() => packSigned(Int8Array.of(0, 8), 4, new Uint32Array(1)), (e: unknown) => e instanceof InvalidArgumentError && /values\[1\]/.test(e.message));
  assert.throws(() => packSigned(Int8Array.of(-3), 2, new Uint32Array(1)), InvalidArgumentError);
  assert.throws(() => packSigned(Int8Array.of(1), 4, new Uint32Array(2)), /dst.length/);
  assert.throws(() => packSigned(Int8Array.of(1), 5 as QuantBits, new Uint32Array(1)), /bits/);
  assert.throws(() => unpackSigned(new Uint32Array(1), 4, 9, new Int8Array(9)), /packed.length/);
  assert.throws(() => unpackSigned(new Uint32Array(1), 4, 8, new Int8Array(7)), /dst.length/);
});
