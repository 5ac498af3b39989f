// Entry point of one calibration rank (started by the launcher): times small and large collectives, rank 0 reports.
//
// argv[2] is the CommCalibrationConfig as JSON; RANK, WORLD_SIZE, MASTER_ADDR/PORT and the job token come from the launcher.

import { initProcessGroup } from '../../comm/init.js';
import type { ProcessGroup } from '../../comm/process-group.js';
import type { TimedCall } from '../../costmodel/calibration-fit.js';
import { median } from '../../stats.js';
import { encodeResult, type CommCalibrationConfig } from './comm-config.js';

const config = JSON.parse(process.argv[2]) as CommCalibrationConfig;
const pg = await initProcessGroup({ timeoutMs: config.timeoutMs, chunkBytes: config.chunkBytes });

/**
 * Times `iters` calls of `run`, each started right after a barrier so every rank starts together; t_k is the
 * slowest rank's time of call k (gathered once at the end), and the result is the median and minimum of t_k.
 */
async function timeCalls(group: ProcessGroup, bytes: number, iters: number, warmup: number, run: () => Promise<unknown>): Promise<TimedCall> {
  for (let i = 0; i < warmup; i++) await run();
  const mine = new Float64Array(iters);
  for (let i = 0; i < iters; i++) {
    await group.barrier();
    const start = performance.now();
    await run();
    mine[i] = performance.now() - start;
  }
  const blocks = await group.allgatherv(new Uint8Array(mine.buffer), { byteLengths: Array(group.worldSize).fill(mine.byteLength) });
  const slowest = Array.from({ length: iters }, (_, k) => Math.max(...blocks.map((b) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))[k])));
  return { bytes, medianMs: median(slowest), minMs: Math.min(...slowest) };
}

try {
  const one = new Float32Array(1);
  const latency = await timeCalls(pg, 4, config.latencyIters, 20, () => pg.allreduce(one));
  const allgather: TimedCall[] = [];
  for (const bytes of config.allgatherBytes) {
    const count = Math.floor(bytes / 4 / pg.worldSize);
    const input = new Float32Array(count).fill(pg.rank);
    const output = new Float32Array(count * pg.worldSize);
    allgather.push(await timeCalls(pg, 4 * count * pg.worldSize, config.iters, config.warmup, () => pg.allgather(input, { output })));
  }
  let allreduce: TimedCall | null = null;
  if (config.allreduceBytes > 0) {
    // Summed in place call after call: values double each time, far from overflow for the few calls made.
    const buf = new Float32Array(Math.floor(config.allreduceBytes / 4)).fill(1);
    allreduce = await timeCalls(pg, buf.byteLength, config.iters, config.warmup, () => pg.allreduce(buf));
  }
  // One round of a plain and of a variable-size collective, for δ (the length frame's extra wake-up).
  const mine = new Float32Array(1);
  const all = new Float32Array(pg.worldSize);
  const plain = await timeCalls(pg, 4 * pg.worldSize, config.latencyIters, 20, () => pg.allgather(mine, { output: all }));
  const block = new Uint8Array(4);
  const lengths = Array(pg.worldSize).fill(4);
  const variable = await timeCalls(pg, 4 * pg.worldSize, config.latencyIters, 20, () => pg.allgatherv(block, { byteLengths: lengths }));
  const rounds = { plain, variable };
  if (pg.rank === 0) process.stdout.write(`${encodeResult({ worldSize: pg.worldSize, chunkBytes: config.chunkBytes, latency, allgather, allreduce, rounds })}\n`);
} finally {
  await pg.close();
}
