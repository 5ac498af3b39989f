// Runs one compressed-collective case on one rank: untimed encoding, timed runs, brute-force check, gather to rank 0.

import type { QuantBits } from '../../codec/index.js';
import type { ProcessGroup } from '../../comm/process-group.js';
import { BENCH_STEP, InputEncoder } from './compressed-inputs.js';
import { compressedShape, makeCollective, type CompressedOp } from './compressed-ops.js';
import { countWrongValues, referenceResult } from './compressed-reference.js';
import { summarize, type CommBenchRow, type RankSample } from './summary.js';
import { gatherSamples, timeIterations } from './timing.js';

export interface CompressedCaseConfig {
  op: CompressedOp;
  /** d, values of the update vector. */
  params: number;
  /** p of pbit-allreduce (ignored by the other ops). */
  bits: QuantBits;
  warmup: number;
  iters: number;
}

/**
 * Every rank must call this with the same config, in the same order. The rank's seeded update vector is coded
 * once, before any run and untimed (this measures the collective, not the encoder); each timed run is the
 * collective's run() alone, on the code in kernel memory, from the copy-in of the code to the assembled result.
 * Wire bytes and time inside group calls come from the collective's lastTraffic (the group's counters). The last
 * result is compared with the brute-force reference over every rank's regenerated code. Resolves on rank 0 to
 * the row, elsewhere to undefined. Rejects with the group's CommError, or InvalidArgumentError when the op does
 * not accept the world size.
 */
export async function runCompressedCase(pg: ProcessGroup, config: CompressedCaseConfig): Promise<CommBenchRow | undefined> {
  const shape = compressedShape(config.op, config.params, pg.worldSize, config.bits);
  const encoder = new InputEncoder(shape);
  try {
    const collective = makeCollective(shape, pg);
    let sample: RankSample;
    try {
      encoder.encode(pg.rank);
      let result: Uint32Array | Int8Array | Int16Array = new Uint32Array(0);
      const timed = await timeIterations(pg, { warmup: config.warmup, iters: config.iters }, async () => {
        result = await collective.run(encoder.view(), BENCH_STEP);
        const traffic = collective.lastTraffic;
        return { bytesSent: traffic?.bytesSent ?? 0, commMs: traffic?.elapsedMs ?? 0 };
      });
      // Copied: the result is a view of the collective's buffer.
      const got = result.slice();
      sample = { ...timed, wrong: countWrongValues(shape, got, referenceResult(shape, encoder.allCodes(), BENCH_STEP)) };
    } finally {
      collective.dispose();
    }
    const samples = await gatherSamples(pg, sample);
    if (pg.rank !== 0) return undefined;
    return summarize({ op: shape.op, dtype: shape.dtype, bytes: shape.bytes, params: shape.numValues, worldSize: shape.worldSize, busBytes: shape.busBytes }, samples);
  } finally {
    encoder.release();
  }
}
