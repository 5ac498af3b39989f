// What every rank's result of a compressed case must be (the collectives' brute-force references, src/sync/collectives/brute-force.ts), and the count of wrong values.

import { codeValues, referenceSignOfSum, referenceTally, referenceVote } from '../../sync/collectives/brute-force.js';
import { inputKind, type CompressedShape } from './compressed-ops.js';

/**
 * What every rank's result must be, from all N ranks' input codes (rank order):
 * - vote-allreduce, vote-allgather: the majority vote, bit 1 iff 2k > N, a tie by the parity rule at `step`;
 * - tally-allreduce: the tallies N − 2k (Int32Array of d);
 * - pbit-allreduce, int8-ring: the 1-bit code of the sign of the exact integer sum, zero by the parity rule.
 */
export function referenceResult(shape: CompressedShape, codes: readonly (Uint32Array | Int8Array)[], step: number): Uint32Array | Int32Array {
  const d = shape.numValues;
  const kind = inputKind(shape.op);
  if (kind === 'int8' || kind === 'pbit') return referenceSignOfSum(codes.map((code) => codeValues(code, shape.bits, d)), d, step);
  const signCodes = codes as readonly Uint32Array[];
  return shape.op === 'tally-allreduce' ? referenceTally(signCodes, d) : referenceVote(signCodes, d, step);
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
