// Brute-force results of the compressed cases, value by value from every rank's code, and the count of wrong values.
//
// Plain integer arithmetic per value, no packed-word kernels: nothing here shares logic with the codec kernels
// the collectives run (docs/wire-format.md gives the layouts decoded here).

import { inputKind, type CompressedShape } from './compressed-ops.js';

/** Bit i of a 1-bit code: 1 = negative. */
function signBit(code: Uint32Array, i: number): number {
  return (code[i >>> 5] >>> (i & 31)) & 1;
}

/** Value i of a p-bit code: p bits at bit offset i·p, two's complement. */
function pbitValue(code: Uint32Array, bits: number, i: number): number {
  const at = i * bits;
  return ((code[Math.floor(at / 32)] >>> (at % 32)) << (32 - bits)) >> (32 - bits);
}

/** The 1-bit code of the signs of `sum(i)`: 1 if negative, 0 if positive, (i + step) mod 2 if zero (parity rule). */
function signCode(numValues: number, step: number, sum: (i: number) => number): Uint32Array {
  const out = new Uint32Array(Math.ceil(numValues / 32));
  for (let i = 0; i < numValues; i++) {
    const s = sum(i);
    const bit = s < 0 ? 1 : s > 0 ? 0 : (i + step) % 2;
    if (bit) out[i >>> 5] |= 1 << (i & 31);
  }
  return out;
}

/** t_i = (#codes with bit 0) − (#codes with bit 1) = N − 2k_i. */
function tallies(codes: readonly Uint32Array[], numValues: number): Int32Array {
  const t = new Int32Array(numValues);
  for (const code of codes) for (let i = 0; i < numValues; i++) t[i] += signBit(code, i) ? -1 : 1;
  return t;
}

/**
 * What every rank's result must be, from all N ranks' input codes (rank order):
 * - vote-allreduce, vote-allgather: the majority vote, bit 1 iff 2k > N, a tie by the parity rule at `step`;
 * - tally-allreduce: the tallies N − 2k (Int32Array of d);
 * - pbit-allreduce, int8-ring: the 1-bit code of the sign of the exact integer sum, zero by the parity rule.
 */
export function referenceResult(shape: CompressedShape, codes: readonly (Uint32Array | Int8Array)[], step: number): Uint32Array | Int32Array {
  const d = shape.numValues;
  const kind = inputKind(shape.op);
  if (kind === 'int8' || kind === 'pbit') {
    const sums = new Int32Array(d);
    for (const code of codes) {
      if (code instanceof Int8Array) for (let i = 0; i < d; i++) sums[i] += code[i];
      else for (let i = 0; i < d; i++) sums[i] += pbitValue(code, shape.bits, i);
    }
    return signCode(d, step, (i) => sums[i]);
  }
  const t = tallies(codes as readonly Uint32Array[], d);
  return shape.op === 'tally-allreduce' ? t : signCode(d, step, (i) => t[i]);
}

/**
 * Values whose result differs from the reference: per value (bit) for 1-bit codes, padding bits ignored; per
 * tally for tallies. A result of the wrong length counts every value as wrong.
 */
export function countWrongValues(shape: CompressedShape, actual: ArrayLike<number>, expected: Uint32Array | Int32Array): number {
  const d = shape.numValues;
  if (actual.length !== expected.length) return d;
  let wrong = 0;
  if (expected instanceof Int32Array) {
    for (let i = 0; i < d; i++) if (actual[i] !== expected[i]) wrong++;
    return wrong;
  }
  for (let i = 0; i < d; i++) if ((((actual[i >>> 5] ^ expected[i >>> 5]) >>> (i & 31)) & 1) !== 0) wrong++;
  return wrong;
}
