// Evaluation on the full test set, split across ranks and combined so every rank gets the same result.
//
// Rank r of N evaluates the contiguous examples [⌊r·T/N⌋, ⌊(r+1)·T/N⌋) of the T test examples, giving
// (Σ loss·targets, correct, targets) for its shard. One allgather of those three numbers per rank, summed in
// float64 in rank order, gives every rank the identical dataset-wide mean loss and accuracy.
// Under a strategy that keeps parameters identical this is exactly the single-model test score; under
// `noop` (ranks drift apart) each shard is scored by its own rank's model.

import type { ProcessGroup } from '../comm/process-group.js';
import type { TrainableModel } from '../tfjs/model.js';
import { shardRange } from '../workloads/sharding.js';
import type { Dataset, EvalResult, Workload } from '../workloads/workload.js';

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
  const local = end > start ? workload.evaluate(model, datasetSlice(dataset, start, end), { batchSize }) : null;
  // float32 carries the counts exactly (below 2^24 targets per rank); the loss sum loses nothing that matters.
  const mine = new Float32Array(local ? [local.loss * local.numTargets, Math.round(local.accuracy * local.numTargets), local.numTargets] : [0, 0, 0]);
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
