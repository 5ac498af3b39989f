// The end-of-run summary of `lion-cub train`: the final JSON object, and the human text comparing with `lion`.

import type { DoneEvent, StartEvent } from '../train/events.js';
import { lionBytesPerStep } from '../train/lion-baseline.js';

export interface TrainSummary {
  final: true;
  steps: number;
  /** Final test loss (full test set). */
  loss: number;
  /** Final test accuracy (full test set). */
  accuracy: number;
  /** Loss of rank 0's last training batch. */
  trainLoss: number | null;
  stepMsMedian: number;
  /** Rank 0's measured bytes per step (frame headers included). */
  bytesSentPerStep: number;
  /** Computed bytes per step of `lion` (fp32 allreduce) for the same model and world size. */
  lionBytesPerStep: number;
  /** The allreduce algorithm that computation assumed (the group picks the ring above 64 KiB). */
  lionAlgorithm: string;
  /** Seconds from rank 0's first step to the end (evaluations and checkpoints included). */
  wallSeconds: number;
  strategy: string;
  worldSize: number;
  numParams: number;
  /** Steps skipped because some rank's gradient (or loss) was NaN or ±∞. */
  skippedSteps: number;
}

export function trainSummary(start: StartEvent, done: DoneEvent): TrainSummary {
  const lion = lionBytesPerStep({ numParams: start.numParams, worldSize: start.worldSize });
  return {
    final: true,
    steps: done.steps,
    loss: done.finalEval.loss,
    accuracy: done.finalEval.accuracy,
    trainLoss: done.lastTrainLoss,
    stepMsMedian: done.stepMsMedian,
    bytesSentPerStep: done.bytesSentPerStep,
    lionBytesPerStep: lion.bytesSent,
    lionAlgorithm: lion.algorithm,
    wallSeconds: done.wallSeconds,
    strategy: start.strategy,
    worldSize: start.worldSize,
    numParams: start.numParams,
    skippedSteps: done.skippedSteps,
  };
}

/** Lines for a person: results, then measured traffic set against lion's computed traffic. */
export function describeSummary(s: TrainSummary): string[] {
  const lines = [
    `done: ${s.steps} steps in ${s.wallSeconds.toFixed(1)} s (median step ${s.stepMsMedian.toFixed(1)} ms); test loss ${s.loss.toFixed(4)}, test accuracy ${s.accuracy.toFixed(4)}`,
    `sent per step by rank 0 (measured, ${s.strategy}): ${formatBytes(s.bytesSentPerStep)}`,
  ];
  if (s.skippedSteps > 0) lines.push(`skipped ${s.skippedSteps} steps whose gradient was NaN or ±∞ on some rank`);
  if (s.worldSize > 1) {
    const ratio = s.bytesSentPerStep > 0 ? s.lionBytesPerStep / s.bytesSentPerStep : Number.POSITIVE_INFINITY;
    const comparison = ratio >= 1 ? `${ratio.toFixed(1)}× less than lion` : `${(1 / ratio).toFixed(2)}× more than lion`;
    const how = s.lionAlgorithm === 'allreduce-ring' ? 'ring, 2(N−1)/N·4d payload' : 'recursive doubling (small model)';
    lines.push(`lion (fp32 allreduce) would send per step (computed: ${how} + 32-byte frame headers, d = ${s.numParams.toLocaleString('en-US')}, N = ${s.worldSize}): ${formatBytes(s.lionBytesPerStep)}; this run sent ${comparison}`);
  }
  return lines;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(3)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(2)} kB`;
  return `${Math.round(bytes)} B`;
}
