// Pricing one phase: latency per round, wire and host overlapped by φ, κ on CPU terms, an emulator's bucket.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commPhaseCost, pricePhases } from './phase-cost.js';
import type { CommPhase } from './phases.js';
import { testConstants, uniformKernels } from './test-support/constants.js';

const phase: CommPhase = {
  type: 'comm', label: 'p', rounds: 3, wireBytes: 1_000_000, hostBytes: 2_000_000, messages: 10,
  bytesSent: 1_000_000, bytesReceived: 1_000_000, kernels: [{ kernel: 'reduce-f32', units: 100_000 }],
};
const constants = testConstants({ alphaUs: 100, messageUs: 10, hostNsPerByte: 2, wireEfficiency: 0.8, overlapPenalty: 0.25 }, uniformKernels(3));

test('T = rounds·α + max(W, H) + φ·min(W, H), worked by hand', () => {
  // α: 3 × 100 µs = 0.3 ms. W = 1e6 B · 8 / (0.8 · 1 Gbit/s) = 10 ms. H = 10·10 µs + 2e6·2 ns + 1e5·3 ns = 0.1 + 4 + 0.3 = 4.4 ms.
  const c = commPhaseCost(phase, { constants, linkGbit: 1, kappa: 1 });
  assert.ok(Math.abs(c.latencyMs - 0.3) < 1e-12);
  assert.ok(Math.abs(c.wireMs - 10) < 1e-12);
  assert.ok(Math.abs(c.hostMs - 4.4) < 1e-12);
  assert.ok(Math.abs(c.ms - (0.3 + 10 + 0.25 * 4.4)) < 1e-12);
  // κ = 2 doubles H only; unshaped loopback drops W.
  assert.ok(Math.abs(commPhaseCost(phase, { constants, linkGbit: 1, kappa: 2 }).hostMs - 8.8) < 1e-12);
  assert.ok(Math.abs(commPhaseCost(phase, { constants, linkGbit: null, kappa: 1 }).ms - (0.3 + 4.4)) < 1e-12);
});

test('an emulated link\'s bucket passes its bytes at once, drained across the phases of a call', () => {
  const ctx = { constants, linkGbit: 1, kappa: 1, burstBytes: 1_500_000 };
  const [first, second, third] = pricePhases([phase, { type: 'kernel', label: 'k', work: { kernel: 'copy', units: 1000 } }, phase], ctx);
  // First phase: all 1e6 bytes free, W = 0 → 0.3 + 4.4. Then the kernel (3 µs). Second: 0.5e6 free, W = 5 ms.
  assert.ok(Math.abs(first - (0.3 + 4.4)) < 1e-12);
  assert.ok(Math.abs(second - 0.003) < 1e-12);
  assert.ok(Math.abs(third - (0.3 + 5 + 0.25 * 4.4)) < 1e-12);
  // No bucket on loopback, whatever burstBytes says.
  assert.ok(Math.abs(pricePhases([phase], { ...ctx, linkGbit: null })[0] - 4.7) < 1e-12);
});
