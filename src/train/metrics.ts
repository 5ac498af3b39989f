// Training events as flat JSON records, and the metrics.jsonl file of a run (one record per line).

import { closeSync, rmSync } from 'node:fs';
import { appendAll, openAppendPrivate } from './private-files.js';
import type { TrainEvent } from './events.js';

/** A JSON-ready record of an event: step events have the strategy's stats inlined (lr, commMs, bytesSent, …). */
export type MetricsRecord = Record<string, string | number | boolean | null>;

/** Flattens an event into one level of fields (the shape of metrics.jsonl lines and of `train --json`). */
export function metricsRecord(event: TrainEvent): MetricsRecord {
  switch (event.type) {
    case 'step': {
      const { sync, ...rest } = event;
      return { ...rest, lr: sync.lr, encodeMs: sync.encodeMs, commMs: sync.commMs, decodeMs: sync.decodeMs, bytesSent: sync.bytesSent, bytesReceived: sync.bytesReceived, momentumSyncedValues: sync.momentumSyncedValues, momentumDivergence: sync.momentumDivergence, skipped: sync.skipped };
    }
    case 'done': {
      const { finalEval, ...rest } = event;
      return { ...rest, testLoss: finalEval.loss, testAccuracy: finalEval.accuracy, testTargets: finalEval.numTargets };
    }
    case 'elastic-resume':
      return { ...event, ranksWithoutCheckpoint: event.ranksWithoutCheckpoint.join(','), momentaFrom: event.momentaFrom.join(',') };
    default:
      return { ...event };
  }
}

/**
 * Appends every event it is given to `path` as a JSON line, synchronously (so a crash loses at most the
 * line being written). `append: false` starts the file afresh (whatever was at the name, a symlink included, is
 * removed and a new file created exclusively); a resumed run appends, refusing a symlink at the name (ELOOP).
 * The file is private (0600). `close()` when done.
 */
export class MetricsWriter {
  private fd: number | null;

  constructor(readonly path: string, options: { append: boolean }) {
    if (!options.append) rmSync(path, { force: true });
    this.fd = openAppendPrivate(path, { exclusive: !options.append });
  }

  write(event: TrainEvent): void {
    if (this.fd === null) return;
    appendAll(this.fd, `${JSON.stringify({ ...metricsRecord(event), time: new Date().toISOString() })}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
