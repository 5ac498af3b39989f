// Resuming the sampler on another number of ranks: every kept example of every epoch is read exactly once across
// 4 → 3 → 4 (and arbitrary) world-size sequences, resumed at arbitrary steps, and foreign positions are refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DistributedSampler } from './sharding.js';
import { InvalidArgumentError } from '../errors.js';
import type { DataPosition } from './data-position.js';

interface Segment { worldSize: number; steps: number }

/**
 * Runs segments one after another the way a resumed job does: each segment's ranks read their local batches from
 * the step its predecessor's data position maps to; returns the examples read, per epoch, over all ranks.
 */
function readAcrossResumes(numExamples: number, globalBatchSize: number, seed: number, segments: readonly Segment[]): Map<number, number[]> {
  const read = new Map<number, number[]>();
  let recorded: DataPosition | null = null;
  for (const { worldSize, steps } of segments) {
    const samplers = Array.from({ length: worldSize }, (_, rank) => new DistributedSampler({ numExamples, globalBatchSize, worldSize, rank, seed }));
    const start: number = recorded === null ? 0 : samplers[0].stepAt(recorded);
    for (const s of samplers) assert.equal(recorded === null ? 0 : s.stepAt(recorded), start, 'every rank resumes at the same step');
    for (let t = start; t < start + steps; t++) {
      const { epoch, step } = samplers[0].position(t);
      const batch = samplers.flatMap((s) => Array.from(s.localBatch(epoch, step)));
      assert.equal(batch.length, globalBatchSize, 'the ranks together read one whole global batch per step');
      read.set(epoch, [...(read.get(epoch) ?? []), ...batch]);
    }
    recorded = samplers[worldSize - 1].dataPosition(start + steps);
  }
  return read;
}

function checkEpochs(read: Map<number, number[]>, sampler: DistributedSampler, totalSteps: number): void {
  const kept = sampler.stepsPerEpoch * sampler.globalBatchSize;
  for (const [epoch, examples] of read) {
    const complete = (epoch + 1) * sampler.stepsPerEpoch <= totalSteps;
    const expected = complete ? kept : (totalSteps - epoch * sampler.stepsPerEpoch) * sampler.globalBatchSize;
    assert.equal(examples.length, expected, `epoch ${epoch}: examples read`);
    assert.equal(new Set(examples).size, examples.length, `epoch ${epoch}: an example was read twice`);
    // Exactly the uninterrupted run's examples: the first `expected` of the epoch order.
    assert.deepEqual([...examples].sort((a, b) => a - b), Array.from(sampler.epochOrder(epoch).subarray(0, expected)).sort((a, b) => a - b));
    if (complete) {
      const dropped = Array.from(sampler.epochOrder(epoch).subarray(kept));
      assert.equal(dropped.filter((i) => examples.includes(i)).length, 0, `epoch ${epoch}: a dropped example was read`);
    }
  }
}

test('4 → 3 → 4 ranks resumed at arbitrary steps read every kept example of each epoch exactly once', () => {
  const cases = fc.record({
    numExamples: fc.integer({ min: 12, max: 140 }),
    globalBatchSize: fc.integer({ min: 4, max: 40 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    steps: fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })),
  }).filter((c) => c.globalBatchSize <= c.numExamples);
  fc.assert(fc.property(cases, ({ numExamples, globalBatchSize, seed, steps }) => {
    const segments = [4, 3, 4].map((worldSize, i) => ({ worldSize, steps: steps[i] }));
    const read = readAcrossResumes(numExamples, globalBatchSize, seed, segments);
    const reference = new DistributedSampler({ numExamples, globalBatchSize, worldSize: 1, rank: 0, seed });
    checkEpochs(read, reference, steps[0] + steps[1] + steps[2]);
  }), { numRuns: 300 });
});

test('resumes exactly at an epoch boundary, in the last batch of an epoch, and with B divisible by neither 3 nor 4', () => {
  // 103 examples, B = 10: 10 steps per epoch, 3 examples dropped per epoch; shards of 3,3,4 and 2,3,2,3.
  const reference = new DistributedSampler({ numExamples: 103, globalBatchSize: 10, worldSize: 1, rank: 0, seed: 5 });
  for (const steps of [[10, 9, 1], [9, 1, 10], [1, 19, 5], [0, 10, 0], [25, 0, 6]]) {
    const segments = [4, 3, 4].map((worldSize, i) => ({ worldSize, steps: steps[i] }));
    checkEpochs(readAcrossResumes(103, 10, 5, segments), reference, steps[0] + steps[1] + steps[2]);
  }
});

test('any sequence of world sizes (1…7) keeps the property', () => {
  const cases = fc.array(fc.record({ worldSize: fc.integer({ min: 1, max: 7 }), steps: fc.integer({ min: 0, max: 12 }) }), { minLength: 1, maxLength: 6 });
  fc.assert(fc.property(cases, fc.integer({ min: 0, max: 99 }), (segments, seed) => {
    const reference = new DistributedSampler({ numExamples: 57, globalBatchSize: 7, worldSize: 1, rank: 0, seed });
    checkEpochs(readAcrossResumes(57, 7, seed, segments), reference, segments.reduce((n, s) => n + s.steps, 0));
  }), { numRuns: 200 });
});

test('the data position is the same on every rank and world size, and maps back to its step', () => {
  const make = (worldSize: number, rank: number) => new DistributedSampler({ numExamples: 100, globalBatchSize: 12, worldSize, rank, seed: 3 });
  const position = make(4, 1).dataPosition(19);
  assert.deepEqual({ epoch: position.epoch, examplesConsumed: position.examplesConsumed }, { epoch: 2, examplesConsumed: 36 });
  assert.deepEqual(make(3, 2).dataPosition(19), position);
  assert.equal(make(3, 0).stepAt(position), 19);
  assert.equal(make(1, 0).stepAt(make(2, 1).dataPosition(0)), 0);
});

test('a position from other data, batch, seed or order, or off a batch boundary, is refused naming the field', () => {
  const ours = new DistributedSampler({ numExamples: 100, globalBatchSize: 12, worldSize: 3, rank: 0, seed: 3 });
  const theirs = new DistributedSampler({ numExamples: 100, globalBatchSize: 12, worldSize: 4, rank: 0, seed: 3 }).dataPosition(10);
  const refused: Array<[Partial<DataPosition>, string]> = [
    [{ globalBatchSize: 16 }, 'data.globalBatchSize'], [{ numExamples: 99 }, 'data.numExamples'], [{ seed: 4 }, 'data.seed'],
    [{ order: 'natural' }, 'data.order'], [{ orderSha256: '0'.repeat(16) }, 'data.orderSha256'],
    [{ examplesConsumed: 13 }, 'data.examplesConsumed'], [{ examplesConsumed: 96 }, 'data.examplesConsumed'], [{ epoch: -1 }, 'data.epoch'],
  ];
  for (const [patch, field] of refused) {
    assert.throws(() => ours.stepAt({ ...theirs, ...patch }), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, JSON.stringify(patch));
  }
  assert.equal(ours.stepAt(theirs), 10);
});
