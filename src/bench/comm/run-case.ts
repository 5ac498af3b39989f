// Runs one plain-collective case on one rank: warm-up, timed iterations, correctness check, and the gather to rank 0.

import { DTYPE_BYTES, type DType } from '../../comm/codes.js';
import type { ProcessGroup } from '../../comm/process-group.js';
import { elementView } from '../../comm/collectives/views.js';
import { kernelMemory } from '../../kernels/load.js';
import { busFactor, caseShape, countWrong, expectedOutput, makeInput, runOp, type BenchOp } from './ops.js';
import { summarize, type CommBenchRow } from './summary.js';
import { gatherSamples, timeIterations } from './timing.js';

export interface CaseConfig {
  op: BenchOp;
  dtype: DType;
  /** Requested S in bytes (rounded down by caseShape). */
  bytes: number;
  warmup: number;
  iters: number;
}

/**
 * Every rank must call this with the same config, in the same order. The arrays the op runs on are in kernel
 * memory (released afterwards), as training's gradient buffer is. `work` is refilled from the pristine
 * input before every run (untimed) because allreduce and broadcast work in place; the last timed output is
 * compared with the local reference. Resolves on rank 0 to the row (params = elements of the logical array),
 * elsewhere to undefined; resolves to undefined everywhere when the size leaves no element (shape undefined).
 * Rejects with the group's CommError.
 */
export async function runCase(pg: ProcessGroup, config: CaseConfig): Promise<CommBenchRow | undefined> {
  const shape = caseShape(config.op, config.dtype, config.bytes, pg.worldSize);
  if (!shape) return undefined;
  const pristine = makeInput(shape, pg.rank);
  // Both arrays live in kernel memory, as training's gradient buffer does, so reductions run in wasm in place.
  const elementBytes = DTYPE_BYTES[shape.dtype];
  const workRegion = kernelMemory.alloc(shape.inputLength * elementBytes);
  const outputRegion = kernelMemory.alloc(shape.outputLength * elementBytes);
  let wrong: number;
  let timed: Awaited<ReturnType<typeof timeIterations>>;
  try {
    const work = elementView(shape.dtype, workRegion.u8());
    const output = elementView(shape.dtype, outputRegion.u8());
    let result = output;
    timed = await timeIterations(pg, { warmup: config.warmup, iters: config.iters, prepare: () => copyBytes(work, pristine) }, async () => {
      result = await runOp(pg, shape, work, output);
      return { bytesSent: pg.lastOp?.bytesSent ?? 0, commMs: pg.lastOp?.elapsedMs ?? 0 };
    });
    wrong = countWrong(result, expectedOutput(shape, pg.rank));
  } finally {
    kernelMemory.release(workRegion);
    kernelMemory.release(outputRegion);
  }
  const samples = await gatherSamples(pg, { ...timed, wrong });
  if (pg.rank !== 0) return undefined;
  const params = shape.bytes / DTYPE_BYTES[shape.dtype];
  return summarize({ op: shape.op, dtype: shape.dtype, bytes: shape.bytes, params, worldSize: shape.worldSize, busBytes: busFactor(shape.op, shape.worldSize) * shape.bytes }, samples);
}

/** dst ← src for two arrays of the same type and length (a byte copy keeps the element-type union out of it). */
function copyBytes(dst: ArrayBufferView, src: ArrayBufferView): void {
  new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
}
