// Turns per-rank, per-iteration timings of one case into the reported row (nccl-tests definitions).

import { median } from '../../stats.js';

/** What one rank measured for one case. */
export interface RankSample {
  /** Duration of each timed iteration on this rank. */
  timesMs: number[];
  /** Of each iteration, the time spent inside ProcessGroup calls (the rest is local work: copies and kernels). */
  commMs: number[];
  /**
   * Process CPU time (user + system, every thread) of each timed iteration on this rank: on a machine with
   * fewer cores than ranks this, not the wall time, says what an op costs. Optional (older samples lack it).
   */
  cpuMs?: number[];
  /** Bytes this rank wrote to the network per iteration (transport counters, frame headers included). */
  bytesSentPerIter: number;
  /** Output values that differed from the local reference. */
  wrong: number;
}

/** What a row says about its case besides the timings. */
export interface RowCase {
  op: string;
  /** Element type of a plain op; the input code ("1-bit", "4-bit", "int8") of a compressed one. */
  dtype: string;
  /** S: bytes of the logical array (plain ops, see caseShape) or of one rank's input code (compressed ops). */
  bytes: number;
  /** d: elements of the logical array (plain ops) or values coded (compressed ops). */
  params: number;
  worldSize: number;
  /** Bytes per rank of a bandwidth-optimal schedule: busFactor · S for plain ops, see compressedShape otherwise. */
  busBytes: number;
}

export interface CommBenchRow {
  op: string;
  dtype: string;
  bytes: number;
  params: number;
  worldSize: number;
  /** Median over iterations of the slowest rank's time. */
  timeMs: number;
  /** Fastest and slowest iteration (each the max over ranks). */
  minMs: number;
  maxMs: number;
  /** Median over iterations of the largest per-rank time inside ProcessGroup calls. */
  commMs: number;
  /** Median over iterations of the CPU time of all ranks together (user + system); null when not measured. */
  cpuMs: number | null;
  iters: number;
  /** S / timeMs, in GB/s (10^9 bytes per second). */
  algbw: number;
  /** busBytes / timeMs, in GB/s: comparable with the link rate. */
  busbw: number;
  /** 4·d / timeMs, in GB/s: the algbw a float32 allreduce of the same d would need to be as fast. */
  fp32EquivAlgbw: number;
  /** Largest per-rank count of bytes sent per iteration. */
  wireBytesPerRank: number;
  /** Wrong values summed over ranks. */
  wrong: number;
}

/** GB/s of `bytes` moved in `ms`. */
function gbPerSec(bytes: number, ms: number): number {
  return bytes / (ms / 1000) / 1e9;
}

/**
 * t_k = max over ranks of iteration k's time (a collective is done when its last rank is);
 * timeMs = median_k t_k; algbw = S / timeMs; busbw = busBytes / timeMs; fp32EquivAlgbw = 4·d / timeMs.
 * Throws if the ranks report different iteration counts (an internal invariant of the bench worker).
 */
export function summarize(rowCase: RowCase, samples: readonly RankSample[]): CommBenchRow {
  const iters = samples[0].timesMs.length;
  if (iters === 0 || samples.some((s) => s.timesMs.length !== iters || s.commMs.length !== iters)) {
    throw new Error('summarize: every rank must report the same, non-zero number of iterations');
  }
  const perIter = Array.from({ length: iters }, (_, k) => Math.max(...samples.map((s) => s.timesMs[k])));
  const commPerIter = Array.from({ length: iters }, (_, k) => Math.max(...samples.map((s) => s.commMs[k])));
  const timeMs = median(perIter);
  const cpu = samples.map((s) => s.cpuMs);
  const cpuPerIter = cpu.every((c): c is number[] => c !== undefined && c.length === iters)
    ? Array.from({ length: iters }, (_, k) => cpu.reduce((sum, c) => sum + c![k], 0))
    : null;
  return {
    op: rowCase.op,
    dtype: rowCase.dtype,
    bytes: rowCase.bytes,
    params: rowCase.params,
    worldSize: rowCase.worldSize,
    timeMs,
    minMs: Math.min(...perIter),
    maxMs: Math.max(...perIter),
    commMs: median(commPerIter),
    cpuMs: cpuPerIter === null ? null : median(cpuPerIter),
    iters,
    algbw: gbPerSec(rowCase.bytes, timeMs),
    busbw: gbPerSec(rowCase.busBytes, timeMs),
    fp32EquivAlgbw: gbPerSec(4 * rowCase.params, timeMs),
    wireBytesPerRank: Math.max(...samples.map((s) => s.bytesSentPerIter)),
    wrong: samples.reduce((sum, s) => sum + s.wrong, 0),
  };
}

/**
 * For each row, t(float32 allreduce of the same d and N, from `rows`) / t(row): how many times faster the row
 * is than the uncompressed allreduce it replaces in training. null where `rows` holds no such allreduce.
 */
export function speedupsOverFp32Allreduce(rows: readonly CommBenchRow[]): (number | null)[] {
  return rows.map((row) => {
    const base = rows.find((r) => r.op === 'allreduce' && r.dtype === 'float32' && r.params === row.params && r.worldSize === row.worldSize);
    return base ? base.timeMs / row.timeMs : null;
  });
}
