// The timed loop every `bench comm` case runs on each rank, and the gather of every rank's sample.

import type { ProcessGroup } from '../../comm/process-group.js';
import type { RankSample } from './summary.js';

/** What one run of the measured operation reports from the group's counters. */
export interface IterationStats {
  /** Bytes this rank sent in the run, frame headers included. */
  bytesSent: number;
  /** Time of the run spent inside ProcessGroup calls. */
  commMs: number;
}

export interface TimingOptions {
  warmup: number;
  iters: number;
  /** Untimed work before each run (e.g. refilling an in-place buffer). */
  prepare?: () => void;
}

/**
 * `warmup` untimed runs, then `iters` timed ones. Each timed run starts after a barrier (untimed), so its time
 * on each rank is the operation alone from a common start. Every rank must call this with the same options.
 * Resolves to this rank's sample without `wrong` (the caller checks the last result).
 */
export async function timeIterations(
  pg: ProcessGroup, options: TimingOptions, run: () => Promise<IterationStats>,
): Promise<Omit<RankSample, 'wrong'>> {
  for (let i = 0; i < options.warmup; i++) {
    options.prepare?.();
    await run();
  }
  const timesMs: number[] = [];
  const commMs: number[] = [];
  const cpuMs: number[] = [];
  let bytesSent = 0;
  for (let i = 0; i < options.iters; i++) {
    options.prepare?.();
    await pg.barrier();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const stats = await run();
    timesMs.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    commMs.push(stats.commMs);
    bytesSent += stats.bytesSent;
  }
  return { timesMs, commMs, cpuMs, bytesSentPerIter: bytesSent / options.iters };
}

/** Every rank's sample on every rank, as float64 so byte counts and times stay exact. */
export async function gatherSamples(pg: ProcessGroup, sample: RankSample): Promise<RankSample[]> {
  const iters = sample.timesMs.length;
  const cpuMs = sample.cpuMs ?? Array<number>(iters).fill(Number.NaN);
  const mine = new Float64Array([...sample.timesMs, ...sample.commMs, ...cpuMs, sample.bytesSentPerIter, sample.wrong]);
  const blocks = await pg.allgatherv(new Uint8Array(mine.buffer), { byteLengths: Array(pg.worldSize).fill(mine.byteLength) });
  return blocks.map((b) => {
    const v = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return {
      timesMs: Array.from(v.subarray(0, iters)),
      commMs: Array.from(v.subarray(iters, 2 * iters)),
      cpuMs: v.subarray(2 * iters, 3 * iters).some(Number.isNaN) ? undefined : Array.from(v.subarray(2 * iters, 3 * iters)),
      bytesSentPerIter: v[3 * iters],
      wrong: v[3 * iters + 1],
    };
  });
}
