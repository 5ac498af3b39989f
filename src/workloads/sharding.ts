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
//
// Changing the world size (elastic resume): B stays the configured global batch, so only the per-rank part
// changes (B/N' instead of B/N). The job's data position (epoch, examples consumed = s·B, order identity;
// data-position.ts) is the same for any N: a job resumed on N' ranks at that position reads global batches
// s, s+1, … of the same epoch order, each cut into N' parts, so no example of the epoch is skipped or read
// twice, and later epochs are sharded over N' like any run. The dropped remainder (numExamples mod B, different
// examples each epoch) is the same as in an uninterrupted run.

import { SeededRandom, permutation } from './random.js';
import { InvalidArgumentError } from '../errors.js';
import { NATURAL_ORDER, SEEDED_FISHER_YATES, diffDataPositions, orderDigest, type DataPosition } from './data-position.js';

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

  /** The job's data position before global step `globalStep` (all ranks; examplesConsumed = s·B). */
  dataPosition(globalStep: number): DataPosition {
    const { epoch, step } = this.position(globalStep);
    return {
      epoch, examplesConsumed: step * this.globalBatchSize, globalBatchSize: this.globalBatchSize, numExamples: this.numExamples,
      seed: this.seed, order: this.shuffle ? SEEDED_FISHER_YATES : NATURAL_ORDER, orderSha256: orderDigest(this.epochOrder(epoch)),
    };
  }

  /**
   * The global step at which this sampler reads what a job at `recorded` (written by a sampler of any world size)
   * reads next. Throws InvalidArgumentError naming `data.<field>` when `recorded` comes from other data, batch,
   * seed or order, or when its examplesConsumed is not at a global-batch boundary of the epoch's kept part.
   */
  stepAt(recorded: DataPosition): number {
    requireInt('data.epoch', recorded.epoch, 0);
    const ours = this.dataPosition(recorded.epoch * this.stepsPerEpoch);
    const [difference] = diffDataPositions(recorded, ours);
    if (difference) throw new InvalidArgumentError(difference.field, difference.theirs, `${JSON.stringify(difference.ours)}, as this run's data and sampler give`);
    const consumed = recorded.examplesConsumed;
    if (!Number.isInteger(consumed) || consumed < 0 || consumed % this.globalBatchSize !== 0 || consumed / this.globalBatchSize >= this.stepsPerEpoch) {
      throw new InvalidArgumentError('data.examplesConsumed', consumed, `a multiple of the global batch ${this.globalBatchSize} below ${this.stepsPerEpoch * this.globalBatchSize} (the epoch's kept examples)`);
    }
    return recorded.epoch * this.stepsPerEpoch + consumed / this.globalBatchSize;
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
