// Sharding: every epoch is a permutation, shards of a global batch are disjoint and cover it, and all ranks agree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DistributedSampler, shardRange } from './sharding.js';
import { InvalidArgumentError } from '../errors.js';

const samplerArb = fc.record({
  numExamples: fc.integer({ min: 1, max: 300 }),
  worldSize: fc.integer({ min: 1, max: 9 }),
  seed: fc.integer({ min: -1000, max: 1000 }),
  epoch: fc.integer({ min: 0, max: 5 }),
}).chain((r) => fc.record({
  base: fc.constant(r),
  globalBatchSize: fc.integer({ min: r.worldSize, max: Math.max(r.worldSize, r.numExamples) }),
})).filter(({ base, globalBatchSize }) => globalBatchSize <= base.numExamples);

test('the union of the N shards of every global batch is that batch, in order, with no overlap', () => {
  fc.assert(fc.property(samplerArb, ({ base, globalBatchSize }) => {
    const { numExamples, worldSize, seed, epoch } = base;
    const samplers = Array.from({ length: worldSize }, (_, rank) => new DistributedSampler({ numExamples, globalBatchSize, worldSize, rank, seed }));
    for (let step = 0; step < samplers[0].stepsPerEpoch; step++) {
      const global = samplers[0].globalBatch(epoch, step);
      const joined = samplers.flatMap((s) => Array.from(s.localBatch(epoch, step)));
      assert.deepEqual(joined, Array.from(global));
      assert.equal(new Set(joined).size, joined.length);
      // Every rank computes the same global batch without talking to the others.
      for (const s of samplers) assert.deepEqual(s.globalBatch(epoch, step), global);
    }
  }), { numRuns: 150 });
});

test('each epoch order is a permutation; global batches of one epoch are disjoint; the remainder is dropped', () => {
  fc.assert(fc.property(samplerArb, ({ base, globalBatchSize }) => {
    const s = new DistributedSampler({ ...base, globalBatchSize, rank: 0 });
    const order = Array.from(s.epochOrder(base.epoch)).sort((a, b) => a - b);
    assert.deepEqual(order, Array.from({ length: base.numExamples }, (_, i) => i));
    assert.equal(s.stepsPerEpoch, Math.floor(base.numExamples / globalBatchSize));
    const seen = new Set<number>();
    for (let step = 0; step < s.stepsPerEpoch; step++) for (const i of s.globalBatch(base.epoch, step)) seen.add(i);
    assert.equal(seen.size, s.stepsPerEpoch * globalBatchSize);
  }), { numRuns: 150 });
});

test('shard sizes differ by at most one and sum to the global batch', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 1000 }), (n, extra) => {
    const b = n + extra;
    const sizes = Array.from({ length: n }, (_, r) => { const [lo, hi] = shardRange(b, n, r); return hi - lo; });
    assert.equal(sizes.reduce((x, y) => x + y, 0), b);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }));
});

test('the order depends on seed and epoch only: same inputs, same order; different epoch or seed, different order', () => {
  const opts = { numExamples: 1000, globalBatchSize: 100, worldSize: 4, rank: 2, seed: 7 };
  const a = new DistributedSampler(opts);
  const b = new DistributedSampler(opts);
  assert.deepEqual(a.localBatch(3, 5), b.localBatch(3, 5));
  assert.notDeepEqual(Array.from(a.epochOrder(0)), Array.from(a.epochOrder(1)));
  assert.notDeepEqual(Array.from(a.epochOrder(0)), Array.from(new DistributedSampler({ ...opts, seed: 8 }).epochOrder(0)));
  assert.equal(a.localBatchSize, 25);
  assert.deepEqual(a.position(23), { epoch: 2, step: 3 });
  const plain = new DistributedSampler({ ...opts, shuffle: false });
  assert.deepEqual(Array.from(plain.localBatch(4, 1)), Array.from({ length: 25 }, (_, i) => 150 + i));
});

test('impossible configurations are typed errors naming the option', () => {
  const ok = { numExamples: 10, globalBatchSize: 4, worldSize: 2, rank: 0, seed: 0 };
  const bad: Array<[Partial<typeof ok>, string]> = [
    [{ rank: 2 }, 'rank'], [{ rank: -1 }, 'rank'], [{ worldSize: 0 }, 'worldSize'],
    [{ globalBatchSize: 1 }, 'globalBatchSize'], [{ globalBatchSize: 11 }, 'globalBatchSize'],
    [{ numExamples: 0 }, 'numExamples'], [{ seed: 0.5 }, 'seed'],
  ];
  for (const [patch, field] of bad) {
    assert.throws(() => new DistributedSampler({ ...ok, ...patch }), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, JSON.stringify(patch));
  }
  const s = new DistributedSampler(ok);
  assert.throws(() => s.localBatch(0, 2), (e: unknown) => e instanceof InvalidArgumentError && e.field === 'step');
});
