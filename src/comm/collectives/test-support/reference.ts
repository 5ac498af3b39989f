// Brute-force references and test data for the collective contract suite (test code, not shipped).

import { seededRandom } from '../../../random.js';
import { DTYPE_BYTES, type DType } from '../../codes.js';
import { bf16ToF32, f32ToBf16, type ElementArray, type ReduceOp } from '../../reduce-ops.js';
import { elementView } from '../views.js';

export const ALL_DTYPES: readonly DType[] = ['float32', 'bfloat16', 'int8', 'int16', 'int32', 'uint8', 'uint32'];

/** Reductions defined for a dtype: mean only for float types. */
export function opsFor(dtype: DType): ReduceOp[] {
  return dtype === 'float32' || dtype === 'bfloat16' ? ['sum', 'max', 'mean'] : ['sum', 'max'];
}

export function newArray(dtype: DType, length: number): ElementArray {
  return elementView(dtype, new Uint8Array(length * DTYPE_BYTES[dtype]));
}

/**
 * Seeded data whose reductions are exact whatever the order of operations, so any correct algorithm
 * matches the reference bit for bit: float32 holds integers in [−1000, 1000] (sums of 8 stay below 2^24),
 * bfloat16 integers in [−16, 16] (sums of 8 stay below 2^8, exact in 8 significant bits); integer types
 * cover their whole range, so sums wrap around.
 */
export function exactData(dtype: DType, length: number, seed: number): ElementArray {
  const out = newArray(dtype, length);
  // An inline 32-bit LCG: data generation must not dominate the suite's time on million-element arrays.
  let x = seedScramble(seed);
  const next = (): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x;
  };
  switch (dtype) {
    case 'float32': for (let i = 0; i < length; i++) out[i] = (next() % 2001) - 1000; break;
    case 'bfloat16': for (let i = 0; i < length; i++) out[i] = f32ToBf16((next() % 33) - 16); break;
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint32':
      // Stores wrap, so any 32 random bits give a uniform value of the narrower type.
      for (let i = 0; i < length; i++) out[i] = next();
      break;
  }
  return out;
}

function seedScramble(seed: number): number {
  return seededRandom(seed)() * 4294967296 >>> 0;
}

/** Element i of the reduction of `inputs`, computed in double precision and stored with the dtype's rules. */
export function referenceReduce(dtype: DType, op: ReduceOp, inputs: readonly ElementArray[]): ElementArray {
  const length = inputs[0].length;
  const out = newArray(dtype, length);
  const n = inputs.length;
  const read = dtype === 'bfloat16' ? (a: ElementArray, i: number) => bf16ToF32(a[i]) : (a: ElementArray, i: number) => a[i];
  for (let i = 0; i < length; i++) {
    let acc = read(inputs[0], i);
    for (let r = 1; r < n; r++) acc = op === 'max' ? Math.max(acc, read(inputs[r], i)) : acc + read(inputs[r], i);
    // mean: the exact sum divided once, rounded to float32, then (bfloat16) to bfloat16.
    if (op === 'mean') acc = Math.fround(acc / n);
    out[i] = dtype === 'bfloat16' ? f32ToBf16(acc) : acc; // integer stores wrap, float32 stores round
  }
  return out;
}

/** Describes the first differing element when `actual` and `expected` differ in any byte; undefined when equal. */
export function sameBytes(actual: ArrayBufferView, expected: ArrayBufferView): string | undefined {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.byteLength !== e.byteLength) return `byte length ${a.byteLength}, expected ${e.byteLength}`;
  if (a.equals(e)) return undefined;
  let i = 0;
  while (a[i] === e[i]) i++;
  const width = (actual as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  const k = Math.floor(i / width);
  return `first difference at element ${k}: got ${(actual as unknown as ArrayLike<number>)[k]}, expected ${(expected as unknown as ArrayLike<number>)[k]}`;
}
