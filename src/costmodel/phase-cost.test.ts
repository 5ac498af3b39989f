// Pricing one phase: latency per round, wire and host overlapped by φ, κ on CPU terms, an emulator's bucket.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketAfterIdle, commPhaseCost, pricePhases } from './phase-cost.js';
import type { CommPhase } from './phases.js';
import { testConstants, uniformKernels } from './test-support/constants.js';

const phase: CommPhase = {
  type: 'comm', label: 'p', rounds: 3, variable: false, wireBytes: 1_000_000, hostBytes: 2_000_000, messages: 10, chunksPerRound: 4,
  bytesSent: 1_000_000, bytesReceived: 1_000_000, kernels: [{ kernel: 'reduce-f32', units: 100_000 }],
};
const constants = testConstants({ alphaUs: 100, messageUs: 10, hostNsPerByte: 2, wireEfficiency: 0.8, overlapPenalty: 0.25 }, uniformKernels(3));

// With m = 4 chunks per round and φ = 0.25, the shorter term shows 1/4 + 0.25·3/4 = 0.4375 of itself.
const SHOWS = 0.4375;

test('T = rounds·α + max(W, H) + (1/m + φ(1 − 1/m))·min(W, H), worked by hand', () => {
  // α: 3 × 100 µs = 0.3 ms. W = 1e6 B · 8 / (0.8 · 1 Gbit/s) = 10 ms. H = 10·10 µs + 2e6·2 ns + 1e5·3 ns = 0.1 + 4 + 0.3 = 4.4 ms.
  const c = commPhaseCost(phase, { constants, linkGbit: 1, kappa: 1 });
  assert.ok(Math.abs(c.latencyMs - 0.3) < 1e-12);
  assert.ok(Math.abs(c.wireMs - 10) < 1e-12);
  assert.ok(Math.abs(c.hostMs - 4.4) < 1e-12);
  assert.ok(Math.abs(c.ms - (0.3 + 10 + SHOWS * 4.4)) < 1e-12);
  // One chunk per round cannot overlap: the terms add.
  assert.ok(Math.abs(commPhaseCost({ ...phase, chunksPerRound: 1 }, { constants, linkGbit: 1, kappa: 1 }).ms - (0.3 + 10 + 4.4)) < 1e-12);
  // κ = 2 doubles H only (both contention slopes are 1 here); unshaped loopback drops W.
  assert.ok(Math.abs(commPhaseCost(phase, { constants, linkGbit: 1, kappa: 2 }).hostMs - 8.8) < 1e-12);
  assert.ok(Math.abs(commPhaseCost(phase, { constants, linkGbit: 1, kappa: 2 }).latencyMs - 0.6) < 1e-12);
  assert.ok(Math.abs(commPhaseCost(phase, { constants, linkGbit: null, kappa: 1 }).ms - (0.3 + 4.4)) < 1e-12);
});

test('an emulated link\'s bucket passes its bytes at once, drained across the phases of a call', () => {
  const ctx = { constants, linkGbit: 1, kappa: 1, burstBytes: 1_500_000 };
  const [first, second, third] = pricePhases([phase, { type: 'kernel', label: 'k', work: { kernel: 'copy', units: 1000 } }, phase], ctx, bucketAfterIdle(ctx, Infinity));
  // First phase: all 1e6 bytes free, W = 0 → 0.3 + 4.4. Then the kernel (3 µs). Second: 0.5e6 free, W = 5 ms.
  assert.ok(Math.abs(first - (0.3 + 4.4)) < 1e-12);
  assert.ok(Math.abs(second - 0.003) < 1e-12);
  assert.ok(Math.abs(third - (0.3 + 5 + SHOWS * 4.4)) < 1e-12);
  // No bucket on loopback, whatever burstBytes says.
  assert.ok(Math.abs(pricePhases([phase], { ...ctx, linkGbit: null }, bucketAfterIdle({ ...ctx, linkGbit: null }, Infinity))[0] - 4.7) < 1e-12);
  // The bucket refills at the link rate while idle: 1 ms at 1 Gbit/s is 125 000 bytes; at 100 Mbit/s 12 500.
  assert.equal(bucketAfterIdle(ctx, 1).bytes, 125_000);
  assert.equal(bucketAfterIdle({ ...ctx, linkGbit: 0.1 }, 1).bytes, 12_500);
  assert.equal(bucketAfterIdle(ctx, 1000).bytes, 1_500_000);
  assert.equal(bucketAfterIdle({ ...ctx, burstBytes: 0 }, 1000).bytes, 0);
});
