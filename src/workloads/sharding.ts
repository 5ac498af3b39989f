// Deterministic data-parallel sampling: every rank derives the same epoch order and takes its own slice of each global batch.
//
// Protocol (identical on every rank, no communication needed):
//   1. order_e = Fisher–Yates permutation of 0..numExamples−1 seeded by (seed, epoch e).
//   2. Global batch s of epoch e = order_e[s·B, (s+1)·B) for s < stepsPerEpoch = ⌊numExamples / B⌋;
//      the last partial batch is dropped so every rank runs the same number of steps.
//   3. Rank r of N takes the contiguous part [⌊r·B/N⌋, ⌊(r+1)·B/N⌋) of that global batch.
// The N parts are disjoint and their union is the global batch; sizes differ by at most one
// when N does not divide B (then a plain mean of per-rank mean gradients weights examples
// slightly unequally: pick B divisible by N for exact equivalence with single-worker training).

import { SeededRandom, permutation } from './random.js';
import { InvalidArgumentError } from '../errors.js';

export interface DistributedSamplerOptions {
  numExamples: number;
  /** B: examples per step summed over all ranks. */
  globalBatchSize: number;
  /** N ≥ 1. */
  worldSize: number;
  /** 0 ≤ rank < N. */
  rank: number;
  /** Shuffling seed; must be the same on every rank. */
  seed: number;
  /** When false, epochs keep the natural order 0..numExamples−1 (evaluation, debugging). Default true. */
  shuffle?: boolean;
}

/** Half-open range [start, end) of rank `rank`'s part of a global batch of `globalBatchSize`. */
export function shardRange(globalBatchSize: number, worldSize: number, rank: number): [number, number] {
  return [Math.floor((rank * globalBatchSize) / worldSize), Math.floor(((rank + 1) * globalBatchSize) / worldSize)];
}

/** The per-rank batch index source of a data-parallel run; see the file header for the protocol. */
export class DistributedSampler {
  readonly numExamples: number;
  readonly globalBatchSize: number;
  readonly worldSize: number;
  readonly rank: number;
  readonly seed: number;
  readonly shuffle: boolean;
  /** Full global batches per epoch (the remainder is dropped). */
  readonly stepsPerEpoch: number;
  /** This rank's examples per step. */
  readonly localBatchSize: number;
  private cachedEpoch = -1;
  private cachedOrder: Uint32Array | null = null;

  /** Throws InvalidArgumentError naming the bad option. */
  constructor(options: DistributedSamplerOptions) {
    const { numExamples, globalBatchSize, worldSize, rank, seed, shuffle = true } = options;
    requireInt('worldSize', worldSize, 1);
    requireInt('numExamples', numExamples, 1);
    requireInt('globalBatchSize', globalBatchSize, worldSize);
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new InvalidArgumentError('rank', rank, `an integer in [0, ${worldSize})`);
    if (!Number.isInteger(seed)) throw new InvalidArgumentError('seed', seed, 'an integer');
    if (globalBatchSize > numExamples) {
      throw new InvalidArgumentError('globalBatchSize', globalBatchSize, `at most numExamples (${numExamples}); lower the batch size`);
    }
    this.numExamples = numExamples;
    this.globalBatchSize = globalBatchSize;
    this.worldSize = worldSize;
    this.rank = rank;
    this.seed = seed;
    this.shuffle = shuffle;
    this.stepsPerEpoch = Math.floor(numExamples / globalBatchSize);
    const [start, end] = shardRange(globalBatchSize, worldSize, rank);
    this.localBatchSize = end - start;
  }

  /** The example order of `epoch` (cached for the most recent epoch; do not mutate). */
  epochOrder(epoch: number): Uint32Array {
    requireInt('epoch', epoch, 0);
    if (epoch !== this.cachedEpoch || !this.cachedOrder) {
      this.cachedOrder = this.shuffle
        ? permutation(this.numExamples, new SeededRandom(this.seed, epoch))
        : Uint32Array.from({ length: this.numExamples }, (_, i) => i);
      this.cachedEpoch = epoch;
    }
    return this.cachedOrder;
  }

  /** Indices of the whole global batch `step` of `epoch` (a new array). */
  globalBatch(epoch: number, step: number): Uint32Array {
    this.checkStepInEpoch(step);
    const start = step * this.globalBatchSize;
    return this.epochOrder(epoch).slice(start, start + this.globalBatchSize);
  }

  /** Indices of this rank's part of global batch `step` of `epoch` (a new array of localBatchSize). */
  localBatch(epoch: number, step: number): Uint32Array {
    this.checkStepInEpoch(step);
    const [from, to] = shardRange(this.globalBatchSize, this.worldSize, this.rank);
    const start = step * this.globalBatchSize;
    return this.epochOrder(epoch).slice(start + from, start + to);
  }

  /** Epoch and step of a global step counter that runs across epochs. */
  position(globalStep: number): { epoch: number; step: number } {
    requireInt('globalStep', globalStep, 0);
    return { epoch: Math.floor(globalStep / this.stepsPerEpoch), step: globalStep % this.stepsPerEpoch };
  }

  private checkStepInEpoch(step: number): void {
    if (!Number.isInteger(step) || step < 0 || step >= this.stepsPerEpoch) {
      throw new InvalidArgumentError('step', step, `an integer in [0, ${this.stepsPerEpoch}) (steps per epoch)`);
    }
  }
}

function requireInt(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(field, value, `an integer ≥ ${min}`);
}
