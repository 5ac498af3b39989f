// Training events as flat JSON records, and the metrics.jsonl file of a run (one record per line).

import { appendFileSync, writeFileSync } from 'node:fs';
import type { TrainEvent } from './events.js';

/** A JSON-ready record of an event: step events have the strategy's stats inlined (lr, commMs, bytesSent, …). */
export type MetricsRecord = Record<string, string | number | boolean | null>;

/** Flattens an event into one level of fields (the shape of metrics.jsonl lines and of `train --json`). */
export function metricsRecord(event: TrainEvent): MetricsRecord {
  switch (event.type) {
    case 'step': {
      const { sync, ...rest } = event;
      return { ...rest, lr: sync.lr, encodeMs: sync.encodeMs, commMs: sync.commMs, decodeMs: sync.decodeMs, bytesSent: sync.bytesSent, bytesReceived: sync.bytesReceived, momentumSyncedValues: sync.momentumSyncedValues };
    }
    case 'done': {
      const { finalEval, ...rest } = event;
      return { ...rest, testLoss: finalEval.loss, testAccuracy: finalEval.accuracy, testTargets: finalEval.numTargets };
    }
    default:
      return { ...event };
  }
}

/**
 * Appends every event it is given to `path` as a JSON line, synchronously (so a crash loses at most the
 * line being written). `append: false` starts the file afresh; a resumed run appends.
 */
export class MetricsWriter {
  constructor(readonly path: string, options: { append: boolean }) {
    if (!options.append) writeFileSync(path, '');
  }

  write(event: TrainEvent): void {
    appendFileSync(this.path, `${JSON.stringify({ ...metricsRecord(event), time: new Date().toISOString() })}\n`);
  }
}
