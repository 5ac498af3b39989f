// Evaluation on the full test set, split across ranks and combined so every rank gets the same result.
//
// Rank r of N evaluates the contiguous examples [⌊r·T/N⌋, ⌊(r+1)·T/N⌋) of the T test examples, giving
// (Σ loss·targets, correct, targets) for its shard. One allgather of those three numbers per rank, summed in
// float64 in rank order, gives every rank the identical dataset-wide mean loss and accuracy.
// Under a strategy that keeps parameters identical this is exactly the single-model test score; under
// `noop` (ranks drift apart) each shard is scored by its own rank's model.
// The shard is evaluated one forward pass (batchSize examples) at a time with a turn of the event loop between
// passes, so the worker's heartbeats keep flowing however long the whole evaluation takes; the passes are the
// ones a single call over the shard would make, so the result does not depend on it.

import type { ProcessGroup } from '../comm/process-group.js';
import type { TrainableModel } from '../tfjs/model.js';
import { shardRange } from '../workloads/sharding.js';
import type { Dataset, EvalResult, Workload } from '../workloads/workload.js';
import { YieldPoint } from './yield-point.js';

/** The examples [start, end) of `dataset` as a dataset of their own (indices are shifted, nothing is copied). */
export function datasetSlice(dataset: Dataset, start: number, end: number): Dataset {
  return {
    name: `${dataset.name}[${start}:${end}]`,
    numExamples: end - start,
    batch: (indices) => dataset.batch(Array.from(indices, (i) => i + start)),
  };
}

export interface ShardedEvalOptions {
  group: ProcessGroup;
  workload: Workload<object>;
  model: TrainableModel;
  dataset: Dataset;
  batchSize: number;
}

/** Full-dataset loss and accuracy, identical on every rank. Rejects with a CommError when a peer fails. */
export async function evaluateSharded({ group, workload, model, dataset, batchSize }: ShardedEvalOptions): Promise<EvalResult> {
  const [start, end] = shardRange(dataset.numExamples, group.worldSize, group.rank);
  const local = await evaluateInPasses(workload, model, datasetSlice(dataset, start, end), batchSize);
  // float32 carries the counts exactly (below 2^24 targets per rank); the loss sum loses nothing that matters.
  const mine = new Float32Array([local.lossSum, local.correct, local.count]);
  const all = group.worldSize > 1 ? await group.allgather(mine) : mine;
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for (let r = 0; r < group.worldSize; r++) {
    lossSum += all[3 * r];
    correct += all[3 * r + 1];
    count += all[3 * r + 2];
  }
  return { loss: count > 0 ? lossSum / count : Number.NaN, accuracy: count > 0 ? correct / count : Number.NaN, numTargets: count };
}

/** Sums over a dataset: Σ loss·targets, correct targets, targets. */
interface EvalSums {
  lossSum: number;
  correct: number;
  count: number;
}

/**
 * `workload.evaluate` over `dataset` one forward pass of `batchSize` examples at a time, pausing for the event loop
 * between passes (yield-point.ts). The longest synchronous stretch is one pass: --eval-batch bounds it.
 */
export async function evaluateInPasses(workload: Workload<object>, model: TrainableModel, dataset: Dataset, batchSize: number): Promise<EvalSums> {
  const sums: EvalSums = { lossSum: 0, correct: 0, count: 0 };
  const yieldPoint = new YieldPoint();
  for (let start = 0; start < dataset.numExamples; start += batchSize) {
    await yieldPoint.pause();
    const end = Math.min(start + batchSize, dataset.numExamples);
    const pass = workload.evaluate(model, datasetSlice(dataset, start, end), { batchSize });
    if (pass.numTargets === 0) continue;
    sums.lossSum += pass.loss * pass.numTargets;
    sums.correct += Math.round(pass.accuracy * pass.numTargets);
    sums.count += pass.numTargets;
  }
  return sums;
}
