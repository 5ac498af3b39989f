// Tests of the computed lion traffic: the closed form, and equality with what the lion strategy measures.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../tfjs/backend.js';
import { lionBytesPerStep } from './lion-baseline.js';
import { tinyConfig, withRanks } from './test-support/ranks.js';
import { Trainer } from './trainer.js';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

test('the ring payload is exactly 2(N−1)/N·4d when N divides d', () => {
  for (const worldSize of [2, 4, 8]) {
    const numParams = 3_716_096; // divisible by 8
    const b = lionBytesPerStep({ numParams, worldSize });
    assert.equal(b.algorithm, 'allreduce-ring');
    assert.equal(b.payloadBytesSent, (2 * (worldSize - 1) / worldSize) * 4 * numParams);
    assert.equal(b.bytesSent, b.payloadBytesSent + 32 * b.messagesSent);
  }
  assert.equal(lionBytesPerStep({ numParams: 1000, worldSize: 1 }).bytesSent, 0);
});

// What the `lion` strategy's steps actually sent, on every rank, against the computed figure.
for (const [numParams, worldSize] of [[1000, 2], [30000, 3]] as const) {
  test(`computed lion traffic equals the measured traffic (d ≈ ${numParams}, N = ${worldSize})`, async () => {
    const config = tinyConfig({ steps: 2, workloadOptions: { numParams, inputSize: 12, numClasses: 4, numExamples: 256 }, batchSize: 12 });
    const measured = await withRanks(worldSize, async (group) => {
      const trainer = await Trainer.create({ config, group });
      const sent: number[] = [];
      trainer.on('step', (e) => sent.push(e.sync.bytesSent));
      await trainer.run();
      const d = trainer.numParams;
      trainer.dispose();
      return { sent, d, rank: group.rank };
    });
    for (const m of measured) {
      const computed = lionBytesPerStep({ numParams: m.d, worldSize, rank: m.rank });
      assert.deepEqual(m.sent, [computed.bytesSent, computed.bytesSent], `rank ${m.rank}, ${computed.algorithm}`);
    }
  });
}
