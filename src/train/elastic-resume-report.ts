// What a resume on another world size reports, the same from every path that restores one (lion-cub train, Trainer,
// model.fit's restoreFitState): the `elastic-resume` record and its one-line description.

import type { ElasticRestore } from './elastic-restore.js';
import type { ElasticResumeEvent } from './events.js';

/** The batch sizes of the resumed job, when its sampler knows them. */
export interface ResumedBatch {
  globalBatchSize: number;
  localBatchSize: number;
}

/** The `elastic-resume` record of `restore`; batch sizes null when `batch` is unknown (fit without a DistributedSampler). */
export function elasticResumeEvent(restore: ElasticRestore, batch: ResumedBatch | null): ElasticResumeEvent {
  const { path: _path, ...rest } = restore;
  return { type: 'elastic-resume', ...rest, momentumRule: 'mean-of-saved', globalBatchSize: batch?.globalBatchSize ?? null, localBatchSize: batch?.localBatchSize ?? null };
}

/** "world size changed 4 → 3 at step 150: parameters from rank 0's checkpoint; momentum of every rank = …". */
export function describeElasticResume(e: ElasticResumeEvent): string {
  const change = e.fromWorldSize === e.toWorldSize ? `world size ${e.toWorldSize} kept, rank${e.ranksWithoutCheckpoint.length === 1 ? '' : 's'} ${e.ranksWithoutCheckpoint.join(', ')} without a checkpoint`
    : `world size changed ${e.fromWorldSize} → ${e.toWorldSize}`;
  const momenta = `${e.momentaFrom.length} moment${e.momentaFrom.length === 1 ? 'um' : 'a'} saved by rank${e.momentaFrom.length === 1 ? '' : 's'} ${e.momentaFrom.join(', ')}`;
  const rule = e.momentaIdentical ? `the ${momenta} (identical, copied exactly)` : `the mean of the ${momenta}`;
  const batch = e.globalBatchSize === null ? '' : `; global batch ${e.globalBatchSize} kept, ${e.localBatchSize} examples per worker per step`;
  return `${change} at step ${e.step}: parameters from rank ${e.paramsFrom}'s checkpoint; momentum of every rank = ${rule}${batch}`;
}
