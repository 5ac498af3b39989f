import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int8Levels, type QuantBits } from '../../src/codec/index.js';
import { ProcessGroup } from '../../src/comm/process-group.js';
import { createMemoryTransports } from '../../src/comm/transport/memory-transport.js';
import { kernelMemory } from '../../src/kernels/load.js';
import {
  int8RingTraffic, pbitAllreduceTraffic, tallyAllreduceTraffic, voteAllgatherTraffic, voteAllreduceTraffic, type WireTraffic,
} from '../../src/sync/collectives/index.js';
import { packLevels, randomLevels, randomSignCode, referenceSignOfSum } from '../../src/sync/collectives/test-support/reference.js';
import { BENCH_STEP, benchSegments, InputEncoder } from '../../src/bench/comm/compressed-inputs.js';
import { COMPRESSED_OPS, compressedShape, makeCollective, type CompressedOp } from '../../src/bench/comm/compressed-ops.js';
import { countWrongValues, referenceResult } from '../../src/bench/comm/compressed-reference.js';
import { runCompressedCase } from '../../src/bench/comm/run-compressed-case.js';

function traffic(op: CompressedOp, n: number, r: number, d: number, bits: QuantBits, headerBytes?: number): WireTraffic {
  const settings = headerBytes === undefined ? {} : { headerBytes };
  switch (op) {
    case 'vote-allreduce': return voteAllreduceTraffic(n, r, d, settings);
    case 'pbit-allreduce': return pbitAllreduceTraffic(n, r, d, bits, settings);
    case 'int8-ring': return int8RingTraffic(n, r, d, { ...settings, allreduceAlgorithm: 'ring' });
    case 'vote-allgather': return voteAllgatherTraffic(n, r, d, settings);
    case 'tally-allreduce': return tallyAllreduceTraffic(n, r, d, settings);
  }
}

test('input code sizes and bus bytes by hand (N = 4, d = 1000, p = 4)', () => {
  const words = Math.ceil(1000 / 32); // 32 words, 128 bytes
  const f = 3 / 4;
  const expect: Record<CompressedOp, [string, number, number]> = {
    'vote-allreduce': ['1-bit', 4 * words, 2 * f * 4 * words],
    'pbit-allreduce': ['4-bit', 500, f * (500 + 4 * words)],
    'int8-ring': ['int8', 1000, 2 * f * 1000],
    'vote-allgather': ['1-bit', 4 * words, 3 * 4 * words],
    'tally-allreduce': ['1-bit', 4 * words, f * (4 * words + 1000)],
  };
  for (const op of COMPRESSED_OPS) {
    const shape = compressedShape(op, 1000, 4, 4);
    assert.deepEqual([shape.dtype, shape.bytes, shape.busBytes], expect[op], op);
  }
});

test('bus bytes are the payload the collective actually sends when slices divide evenly (no headers, no length frames)', () => {
  for (const n of [2, 4, 8]) {
    const d = 32 * n * 64; // N divides the 32-value units; every block fits one 256 KiB chunk
    for (const op of COMPRESSED_OPS) {
      for (const bits of [2, 4, 8] as const) {
        const shape = compressedShape(op, d, n, bits);
        // Every alltoallv/allgatherv block carries a 4-byte length frame, and the vote and p-bit allreduce's
        // alltoallv blocks a 4-byte finiteness flag; the int8 ring allreduce has neither.
        const blocks = op === 'int8-ring' ? 0 : op === 'vote-allgather' ? n - 1 : 2 * (n - 1);
        const flags = op === 'vote-allreduce' || op === 'pbit-allreduce' ? n - 1 : 0;
        for (let r = 0; r < n; r++) {
          const payload = traffic(op, n, r, d, bits, 0).bytesSent - 4 * blocks - 4 * flags;
          assert.equal(payload, shape.busBytes, `${op} N=${n} p=${bits} rank ${r}`);
        }
      }
    }
  }
});

test('references: a hand-worked vote and tally, packed p-bit and int8 codes decoded to the sum of their levels, and a changed bit or tally is counted', () => {
  // Three codes over 4 values (bit 1 = negative): value 0 has 0 negatives, 1 has 1, 2 has 2, 3 has 3.
  const hand = [new Uint32Array([0b1110]), new Uint32Array([0b1100]), new Uint32Array([0b1000])];
  assert.deepEqual(Array.from(referenceResult(compressedShape('tally-allreduce', 4, 3, 4), hand, 0)), [3, 1, -1, -3]);
  assert.deepEqual(Array.from(referenceResult(compressedShape('vote-allreduce', 4, 3, 4), hand, 0)), [0b1100]);
  assert.deepEqual(Array.from(referenceResult(compressedShape('vote-allgather', 4, 3, 4), hand, 0)), [0b1100]);
  const n = 3;
  for (const d of [1000, 33]) {
    const step = BENCH_STEP;
    const signCodes = Array.from({ length: n }, (_, r) => randomSignCode(d, 7 * r + d, step));
    const vote = referenceResult(compressedShape('vote-allreduce', d, n, 4), signCodes, step);
    const tallyShape = compressedShape('tally-allreduce', d, n, 4);
    const tallies = referenceResult(tallyShape, signCodes, step);
    for (const bits of [2, 4, 8] as const) {
      const levels = Array.from({ length: n }, (_, r) => randomLevels(d, (1 << (bits - 1)) - 1, 0.3, 11 * r + bits + d));
      const got = referenceResult(compressedShape('pbit-allreduce', d, n, bits), levels.map((l) => packLevels(l, bits)), step);
      assert.deepEqual(Array.from(got), Array.from(referenceSignOfSum(levels, d, step)), `p = ${bits}`);
    }
    const q = Array.from({ length: n }, (_, r) => Int8Array.from(randomLevels(d, int8Levels(n), 0.3, 13 * r + d)));
    assert.deepEqual(Array.from(referenceResult(compressedShape('int8-ring', d, n, 4), q, step)), Array.from(referenceSignOfSum(q, d, step)));

    const voteShape = compressedShape('vote-allreduce', d, n, 4);
    const flipped = vote.slice();
    flipped[0] ^= 1 << 5;
    assert.equal(countWrongValues(voteShape, flipped, vote), 1);
    const padded = vote.slice();
    padded[padded.length - 1] |= d % 32 === 0 ? 0 : 1 << 31;
    assert.equal(countWrongValues(voteShape, padded, vote), 0, 'padding bits are not values');
    const changed = Int8Array.from(tallies);
    changed[d - 1] += 2;
    assert.equal(countWrongValues(tallyShape, changed, tallies), 1);
    assert.equal(countWrongValues(voteShape, new Uint32Array(1), vote), d, 'a result of the wrong length is all wrong');
  }
});

test('inputs: seeded per rank, coded in kernel memory, zeros present, int8 levels within s = ⌊127/N⌋', () => {
  const d = 4000;
  assert.deepEqual(benchSegments(d), [{ offset: 0, length: 2000 }, { offset: 2000, length: 1000 }, { offset: 3000, length: 1000 }]);
  for (const op of COMPRESSED_OPS) {
    const encoder = new InputEncoder(compressedShape(op, d, 5, 4));
    const first = encoder.encode(2);
    assert.ok(kernelMemory.contains(first), `${op}: the code lives in kernel memory`);
    const again = encoder.encode(2).slice();
    const codes = encoder.allCodes();
    assert.deepEqual(Array.from(codes[2]), Array.from(again), `${op}: rank 2 regenerates its code`);
    assert.notDeepEqual(Array.from(codes[1]), Array.from(codes[2]), `${op}: ranks differ`);
    if (op === 'int8-ring') {
      const q = codes[0] as Int8Array;
      assert.ok(q.every((v) => Math.abs(v) <= 25), 'N = 5: |q| ≤ 25');
      assert.ok(q.some((v) => v === 25) && q.filter((v) => v === 0).length >= 0.05 * d);
    }
    encoder.release();
  }
});

test('runCompressedCase over in-memory ranks: zero wrong, wire bytes equal to the prediction, one row on rank 0', async () => {
  for (const n of [2, 3]) {
    const groups = createMemoryTransports(n).map((t) => new ProcessGroup(t, { allreduceAlgorithm: 'ring' }));
    try {
      for (const op of COMPRESSED_OPS) {
        for (const d of [1000, 4096 + 5]) {
          const what = `${op} N=${n} d=${d}`;
          const rows = await Promise.all(groups.map((pg) => runCompressedCase(pg, { op, params: d, bits: 2, warmup: 1, iters: 2 })));
          assert.ok(rows.slice(1).every((r) => r === undefined), what);
          const row = rows[0]!;
          const shape = compressedShape(op, d, n, 2);
          assert.equal(row.wrong, 0, what);
          assert.equal(row.params, d);
          assert.equal(row.bytes, shape.bytes);
          assert.equal(row.dtype, shape.dtype);
          const predicted = Math.max(...groups.map((_, r) => traffic(op, n, r, d, 2).bytesSent));
          assert.equal(row.wireBytesPerRank, predicted, what);
          assert.ok(Math.abs(row.fp32EquivAlgbw - (4 * d) / (row.timeMs / 1000) / 1e9) < 1e-9, what);
          assert.ok(Math.abs(row.busbw / row.algbw - shape.busBytes / shape.bytes) < 1e-9, what);
        }
      }
    } finally {
      await Promise.all(groups.map((g) => g.close()));
    }
  }
});

test('the check can fail: a result at another step differs from the reference on ties and zeros', async () => {
  const n = 2;
  const d = 2000;
  const groups = createMemoryTransports(n).map((t) => new ProcessGroup(t));
  for (const op of ['vote-allreduce', 'pbit-allreduce'] as const) {
    const shape = compressedShape(op, d, n, 4);
    const encoder = new InputEncoder(shape);
    const codes = encoder.allCodes();
    const collectives = groups.map((g) => makeCollective(shape, g));
    const results = await Promise.all(collectives.map((c, r) => c.run(codes[r], BENCH_STEP + 1).then((out) => out.slice())));
    const wrong = countWrongValues(shape, results[0], referenceResult(shape, codes, BENCH_STEP));
    assert.ok(wrong > 0.01 * d, `${op}: ${wrong} values`);
    assert.equal(countWrongValues(shape, results[1], referenceResult(shape, codes, BENCH_STEP + 1)), 0);
    collectives.forEach((c) => c.dispose());
    encoder.release();
  }
  await Promise.all(groups.map((g) => g.close()));
});
