// Where a data-parallel job stands in its data, independent of how many ranks read it: epoch, examples of the
// epoch the whole job has consumed, and what fixes the epoch's order. Checkpoints record it so that a job
// resumed with another number of ranks continues at the same example (sharding.ts re-cuts the rest of the epoch).

import { createHash } from 'node:crypto';

/** The name of the shuffle DistributedSampler uses (order_e = Fisher–Yates over SeededRandom(seed, e)). */
export const SEEDED_FISHER_YATES = 'fisher-yates/seeded-random-v1';
/** Epochs in natural order 0..numExamples−1 (no shuffle). */
export const NATURAL_ORDER = 'natural';

export interface DataPosition {
  epoch: number;
  /** Examples of `epoch` already consumed by the whole job (all ranks together): the next global batch starts here. */
  examplesConsumed: number;
  /** B: examples per step over all ranks (kept when the world size changes). */
  globalBatchSize: number;
  numExamples: number;
  /** The shuffling seed. */
  seed: number;
  /** How the epoch order is made: SEEDED_FISHER_YATES or NATURAL_ORDER. */
  order: string;
  /** First 16 hex digits of the sha256 of the epoch's order (uint32 LE): the order actually used, not just its recipe. */
  orderSha256: string;
}

/** One field in which a recorded position's identity differs from this sampler's. */
export interface DataPositionDifference {
  field: string;
  theirs: unknown;
  ours: unknown;
}

/** sha256 (16 hex digits) of an epoch order. */
export function orderDigest(order: Uint32Array): string {
  return createHash('sha256').update(new Uint8Array(order.buffer, order.byteOffset, order.byteLength)).digest('hex').slice(0, 16);
}

/**
 * The identity fields (batch, data size, seed, order recipe and digest) in which `theirs` differs from `ours`,
 * named `data.<field>`; empty when a job positioned at `theirs` reads exactly the examples `ours` would.
 */
export function diffDataPositions(theirs: DataPosition, ours: DataPosition): DataPositionDifference[] {
  const fields = ['globalBatchSize', 'numExamples', 'seed', 'order', 'orderSha256'] as const;
  return fields.filter((f) => theirs[f] !== ours[f]).map((f) => ({ field: `data.${f}`, theirs: theirs[f], ours: ours[f] }));
}

/** True when `value` has every field of a DataPosition with the right type (a header read from disk). */
export function isDataPosition(value: unknown): value is DataPosition {
  if (value === null || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  return ['epoch', 'examplesConsumed', 'globalBatchSize', 'numExamples', 'seed'].every((k) => Number.isSafeInteger(p[k]))
    && typeof p.order === 'string' && typeof p.orderSha256 === 'string';
}
