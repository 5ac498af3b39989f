import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessGroup } from '../../src/comm/process-group.js';
import { createMemoryTransports } from '../../src/comm/transport/memory-transport.js';
import { BENCH_DTYPES, BENCH_OPS, busFactor, caseShape, countWrong, expectedOutput, makeInput, newArray, runOp } from '../../src/bench/comm/ops.js';
import { summarize } from '../../src/bench/comm/summary.js';

test('shapes follow nccl-tests: S rounded to whole elements and to N blocks where the op splits the array', () => {
  assert.deepEqual(caseShape('allreduce', 'float32', 1026, 3), { op: 'allreduce', dtype: 'float32', worldSize: 3, inputLength: 256, outputLength: 256, bytes: 1024 });
  assert.deepEqual(caseShape('allgather', 'float32', 1024, 3), { op: 'allgather', dtype: 'float32', worldSize: 3, inputLength: 85, outputLength: 255, bytes: 1020 });
  assert.deepEqual(caseShape('reduce_scatter', 'int8', 1024, 3), { op: 'reduce_scatter', dtype: 'int8', worldSize: 3, inputLength: 1023, outputLength: 341, bytes: 1023 });
  assert.equal(caseShape('alltoall', 'float32', 8, 4), undefined);
});

test('bus factors: allreduce 2(N-1)/N, broadcast 1, the rest (N-1)/N', () => {
  assert.equal(busFactor('allreduce', 4), 1.5);
  assert.equal(busFactor('broadcast', 4), 1);
  for (const op of ['reduce_scatter', 'allgather', 'alltoall'] as const) assert.equal(busFactor(op, 4), 0.75);
});

test('the local references match what the real collectives compute, for every op and dtype', async () => {
  for (const worldSize of [1, 3, 4]) {
    for (const op of BENCH_OPS) {
      for (const dtype of BENCH_DTYPES) {
        const shape = caseShape(op, dtype, 4096 + 12, worldSize)!;
        const transports = createMemoryTransports(worldSize);
        const groups = transports.map((t) => new ProcessGroup(t, { chunkBytes: 1000 }));
        const results = await Promise.all(groups.map((pg, rank) => runOp(pg, shape, makeInput(shape, rank), newArray(dtype, shape.outputLength))));
        results.forEach((out, rank) => assert.equal(countWrong(out, expectedOutput(shape, rank)), 0, `${op} ${dtype} N=${worldSize} rank ${rank}`));
        await Promise.all(groups.map((pg) => pg.close()));
      }
    }
  }
});

test('a wrong element is counted', () => {
  const shape = caseShape('allreduce', 'float32', 64, 2)!;
  const out = expectedOutput(shape, 0);
  out[3] += 1;
  assert.equal(countWrong(out, expectedOutput(shape, 0)), 1);
});

test('summary: median over iterations of the max over ranks, algbw, busbw and fp32-equivalent algbw in GB/s', () => {
  const rowCase = { op: 'allreduce', dtype: 'bfloat16', bytes: 1_000_000, params: 500_000, worldSize: 2, busBytes: 1_000_000 };
  const row = summarize(rowCase, [
    { timesMs: [1, 4, 2], commMs: [1, 3, 1], bytesSentPerIter: 10, wrong: 0 },
    { timesMs: [3, 1, 2], commMs: [2, 1, 2], bytesSentPerIter: 12, wrong: 2 },
  ]);
  // per-iteration max: [3, 4, 2] → median 3 ms; S = 10^6 bytes → 1e6 / 3e-3 / 1e9 = 0.333 GB/s
  assert.equal(row.timeMs, 3);
  assert.equal(row.minMs, 2);
  assert.equal(row.maxMs, 4);
  assert.equal(row.commMs, 2, 'per-iteration max [2, 3, 2] → median 2');
  assert.ok(Math.abs(row.algbw - 1 / 3) < 1e-12);
  assert.ok(Math.abs(row.busbw - 1 / 3) < 1e-12, 'bus bytes = 2(N-1)/N · S = S at N = 2');
  assert.ok(Math.abs(row.fp32EquivAlgbw - 2 / 3) < 1e-12, '4·d = 2 MB in 3 ms');
  assert.equal(row.params, 500_000);
  assert.equal(row.wireBytesPerRank, 12);
  assert.equal(row.wrong, 2);
  assert.equal(row.cpuMs, null, 'not measured by these samples');
  const withCpu = summarize(rowCase, [
    { timesMs: [1, 1, 1], commMs: [1, 1, 1], cpuMs: [1, 5, 2], bytesSentPerIter: 0, wrong: 0 },
    { timesMs: [1, 1, 1], commMs: [1, 1, 1], cpuMs: [2, 1, 7], bytesSentPerIter: 0, wrong: 0 },
  ]);
  assert.equal(withCpu.cpuMs, 6, 'per-iteration sum over ranks [3, 6, 9] → median 6');
  assert.throws(() => summarize(rowCase, [{ timesMs: [1], commMs: [1], bytesSentPerIter: 0, wrong: 0 }, { timesMs: [1, 2], commMs: [1, 2], bytesSentPerIter: 0, wrong: 0 }]));
});

test('runCase over in-memory ranks: zero wrong, wire bytes from the counters, one row on rank 0 only', async () => {
  const { runCase } = await import('../../src/bench/comm/run-case.js');
  const transports = createMemoryTransports(3);
  const groups = transports.map((t) => new ProcessGroup(t));
  const rows = await Promise.all(groups.map((pg) => runCase(pg, { op: 'allreduce', dtype: 'float32', bytes: 3 * 4096, warmup: 1, iters: 3 })));
  await Promise.all(groups.map((pg) => pg.close()));
  assert.equal(rows[1], undefined);
  assert.equal(rows[2], undefined);
  const row = rows[0]!;
  assert.equal(row.wrong, 0);
  assert.equal(row.iters, 3);
  assert.equal(row.bytes, 12288);
  assert.equal(row.params, 3072);
  assert.ok(Math.abs(row.fp32EquivAlgbw - row.algbw) < 1e-12, 'a float32 allreduce is its own fp32 equivalent');
  assert.ok(row.commMs > 0 && row.commMs <= row.maxMs);
  assert.ok(row.cpuMs !== null && row.cpuMs > 0, 'CPU time of every rank is gathered');
  // No allreduce sends less than the bandwidth-optimal 2(N-1)/N · S per rank; headers come on top.
  assert.ok(row.wireBytesPerRank >= (2 * 2 / 3) * 12288, `${row.wireBytesPerRank}`);
  assert.ok(row.timeMs > 0 && row.algbw > 0 && row.busbw > row.algbw);
});

test('speedups over the float32 allreduce of the same d and N in the same run', async () => {
  const { speedupsOverFp32Allreduce } = await import('../../src/bench/comm/summary.js');
  const row = (op: string, dtype: string, params: number, worldSize: number, timeMs: number) => ({
    op, dtype, params, worldSize, timeMs, bytes: 0, minMs: 0, maxMs: 0, commMs: 0, cpuMs: null, iters: 1, algbw: 0, busbw: 0, fp32EquivAlgbw: 0, wireBytesPerRank: 0, wrong: 0,
  });
  const rows = [row('vote-allreduce', '1-bit', 100, 4, 2), row('allreduce', 'float32', 100, 4, 50), row('allreduce', 'bfloat16', 100, 4, 25),
    row('vote-allreduce', '1-bit', 100, 8, 2), row('pbit-allreduce', '4-bit', 200, 4, 5)];
  assert.deepEqual(speedupsOverFp32Allreduce(rows), [25, 1, 2, null, null]);
});
