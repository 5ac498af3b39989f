// Turns per-rank, per-iteration timings of one case into the reported row (nccl-tests definitions).

import { busFactor, type CaseShape } from './ops.js';

/** What one rank measured for one case. */
export interface RankSample {
  /** Duration of each timed iteration on this rank. */
  timesMs: number[];
  /** Bytes this rank wrote to the network per iteration (transport counters, frame headers included). */
  bytesSentPerIter: number;
  /** Output elements that differed from the local reference. */
  wrong: number;
}

export interface CommBenchRow {
  op: string;
  dtype: string;
  /** S: bytes of the logical array (see caseShape). */
  bytes: number;
  worldSize: number;
  /** Median over iterations of the slowest rank's time. */
  timeMs: number;
  /** Fastest and slowest iteration (each the max over ranks). */
  minMs: number;
  maxMs: number;
  iters: number;
  /** S / timeMs, in GB/s (10^9 bytes per second). */
  algbw: number;
  /** algbw · busFactor, in GB/s. */
  busbw: number;
  /** Largest per-rank count of bytes sent per iteration. */
  wireBytesPerRank: number;
  /** Wrong elements summed over ranks. */
  wrong: number;
}

/**
 * t_k = max over ranks of iteration k's time (a collective is done when its last rank is);
 * timeMs = median_k t_k; algbw = S / timeMs; busbw = algbw · factor(op, N).
 * Throws if the ranks report different iteration counts (an internal invariant of the bench worker).
 */
export function summarize(shape: CaseShape, samples: readonly RankSample[]): CommBenchRow {
  const iters = samples[0].timesMs.length;
  if (iters === 0 || samples.some((s) => s.timesMs.length !== iters)) throw new Error('summarize: every rank must report the same, non-zero number of iterations');
  const perIter = Array.from({ length: iters }, (_, k) => Math.max(...samples.map((s) => s.timesMs[k])));
  const sorted = [...perIter].sort((a, b) => a - b);
  const mid = iters >> 1;
  const timeMs = iters % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const algbw = shape.bytes / (timeMs / 1000) / 1e9;
  return {
    op: shape.op,
    dtype: shape.dtype,
    bytes: shape.bytes,
    worldSize: shape.worldSize,
    timeMs,
    minMs: sorted[0],
    maxMs: sorted[iters - 1],
    iters,
    algbw,
    busbw: algbw * busFactor(shape.op, shape.worldSize),
    wireBytesPerRank: Math.max(...samples.map((s) => s.bytesSentPerIter)),
    wrong: samples.reduce((sum, s) => sum + s.wrong, 0),
  };
}
