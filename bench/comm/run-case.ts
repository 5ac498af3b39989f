// Runs one benchmark case on one rank: warm-up, timed iterations, correctness check, and the gather to rank 0.

import type { DType } from '../../src/comm/codes.js';
import type { ProcessGroup } from '../../src/comm/process-group.js';
import { caseShape, countWrong, expectedOutput, makeInput, newArray, runOp, type BenchOp, type CaseShape } from './ops.js';
import { summarize, type CommBenchRow, type RankSample } from './summary.js';

export interface CaseConfig {
  op: BenchOp;
  dtype: DType;
  /** Requested S in bytes (rounded down by caseShape). */
  bytes: number;
  warmup: number;
  iters: number;
}

/**
 * Every rank must call this with the same config, in the same order. Each iteration starts after a barrier
 * (untimed), so t_k on each rank is the collective alone from a common start; `work` is refilled from the
 * pristine input before every run because allreduce and broadcast work in place. The last timed output is
 * compared with the local reference. Resolves on rank 0 to the row, elsewhere to undefined; resolves to
 * undefined everywhere when the size leaves no element (shape undefined). Rejects with the group's CommError.
 */
export async function runCase(pg: ProcessGroup, config: CaseConfig): Promise<CommBenchRow | undefined> {
  const shape = caseShape(config.op, config.dtype, config.bytes, pg.worldSize);
  if (!shape) return undefined;
  const pristine = makeInput(shape, pg.rank);
  const work = newArray(shape.dtype, shape.inputLength);
  const output = newArray(shape.dtype, shape.outputLength);
  for (let i = 0; i < config.warmup; i++) {
    copyBytes(work, pristine);
    await runOp(pg, shape, work, output);
  }
  const timesMs: number[] = [];
  let bytesSent = 0;
  let result = output;
  for (let i = 0; i < config.iters; i++) {
    copyBytes(work, pristine);
    await pg.barrier();
    const start = performance.now();
    result = await runOp(pg, shape, work, output);
    timesMs.push(performance.now() - start);
    bytesSent += pg.lastOp?.bytesSent ?? 0;
  }
  const sample: RankSample = { timesMs, bytesSentPerIter: bytesSent / config.iters, wrong: countWrong(result, expectedOutput(shape, pg.rank)) };
  const samples = await gatherSamples(pg, sample);
  return pg.rank === 0 ? summarize(shape, samples) : undefined;
}

/** dst ← src for two arrays of the same type and length (a byte copy keeps the element-type union out of it). */
function copyBytes(dst: ArrayBufferView, src: ArrayBufferView): void {
  new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
}

/** Every rank's sample on every rank, as float64 so byte counts and times stay exact. */
async function gatherSamples(pg: ProcessGroup, sample: RankSample): Promise<RankSample[]> {
  const iters = sample.timesMs.length;
  const mine = new Float64Array([...sample.timesMs, sample.bytesSentPerIter, sample.wrong]);
  const blocks = await pg.allgatherv(new Uint8Array(mine.buffer), { byteLengths: Array(pg.worldSize).fill(mine.byteLength) });
  return blocks.map((b) => {
    const v = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return { timesMs: Array.from(v.subarray(0, iters)), bytesSentPerIter: v[iters], wrong: v[iters + 1] };
  });
}

export type { CaseShape };
