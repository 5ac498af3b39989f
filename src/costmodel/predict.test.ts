// predictStep: N = 1 sends nothing, faster links never slow a step, lion tends to the ring's bandwidth term.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError } from '../errors.js';
import { compareStrategies, predictStep, SWEEP_WORLD_SIZES } from './predict.js';
import { modelStrategies } from './strategy-schedule.js';
import { testConstants, wireOnlyConstants } from './test-support/constants.js';

const constants = testConstants();

test('N = 1: no communication, no bytes, every strategy is compute plus one Lion step', () => {
  for (const strategy of modelStrategies()) {
    const p = predictStep({ strategy, numParams: 1_000_000, N: 1, linkGbit: 1, computeMs: 7, constants });
    assert.equal(p.commMs, 0, strategy);
    assert.equal(p.bytesPerRank, 0, strategy);
    assert.equal(p.stepMs, 7 + 1_000_000 * constants.kernels['lion-step'] / 1e6, strategy);
  }
});

test('step time never grows with the link rate, for every strategy, N and d', () => {
  fc.assert(fc.property(
    fc.constantFrom(...modelStrategies()), fc.constantFrom(...SWEEP_WORLD_SIZES), fc.integer({ min: 1, max: 50_000_000 }),
    fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.double({ min: 1.01, max: 100, noNaN: true }),
    (strategy, n, d, slow, factor) => {
      if (strategy === 'cub-int8' && n > 127) return;
      const at = (linkGbit: number) => predictStep({ strategy, numParams: d, N: n, linkGbit, computeMs: 1, constants }).stepMs;
      assert.ok(at(slow * factor) <= at(slow) + 1e-9);
    },
  ), { numRuns: 300 });
});

test('lion at large d: comm time → 2(N−1)/N · 4d · β', () => {
  for (const n of [2, 4, 8, 64]) {
    const d = 64 * 2 ** 20;
    const linkGbit = 10;
    const beta = 8 / (linkGbit * 1e9); // s per byte
    const ideal = ((2 * (n - 1)) / n) * 4 * d * beta * 1e3;
    // Wire only: the frame headers (32 B per chunk) are all that remains.
    const wire = predictStep({ strategy: 'lion', numParams: d, N: n, linkGbit, computeMs: 0, constants: wireOnlyConstants() }).commMs;
    assert.ok(wire / ideal > 1 && wire / ideal < 1.001, `N=${n}: ${wire} vs ${ideal}`);
    // With host costs on a slow link, latency and the hidden host time add only a few percent.
    const slow = 0.1;
    const slowIdeal = ideal * (linkGbit / slow);
    const real = predictStep({ strategy: 'lion', numParams: d, N: n, linkGbit: slow, computeMs: 0, constants }).commMs;
    assert.ok(real / slowIdeal > 1 && real / slowIdeal < 1.05, `N=${n}: ${real} vs ${slowIdeal}`);
  }
});

test('the vote by allgather grows with N, the 1-bit allreduce does not', () => {
  const at = (strategy: string, n: number) => predictStep({ strategy, numParams: 1 << 24, N: n, linkGbit: 1, computeMs: 0, constants: wireOnlyConstants() });
  assert.ok(at('dlion-mavo', 64).bytesPerRank > 30 * at('dlion-mavo', 2).bytesPerRank);
  assert.ok(at('cub-1bit', 64).bytesPerRank < 2.1 * at('cub-1bit', 2).bytesPerRank);
});

test('CPU contention multiplies host and kernel time by ranks per core, not the wire', () => {
  const input = { strategy: 'cub-pbit:bits=4', numParams: 1 << 20, N: 4, linkGbit: null, computeMs: 0, constants };
  const alone = predictStep(input);
  const shared = predictStep({ ...input, host: { ranksPerHost: 4, cores: 2 } });
  assert.ok(Math.abs(shared.codecMs - 2 * alone.codecMs) < 1e-9);
  const wire = { ...input, linkGbit: 0.001, constants: wireOnlyConstants() };
  assert.equal(predictStep({ ...wire, host: { ranksPerHost: 4, cores: 2 } }).commMs, predictStep(wire).commMs);
});

test('speedups are relative to lion and lion-bf16 at the same point; unsupported strategies say why', () => {
  const rows = compareStrategies({ numParams: 1 << 22, N: 256, linkGbit: 1, computeMs: 5, constants });
  const lion = rows.find((r) => r.strategy === 'lion');
  assert.ok(lion && 'speedupVsLion' in lion && Math.abs(lion.speedupVsLion - 1) < 1e-12);
  const int8 = rows.find((r) => r.strategy === 'cub-int8');
  assert.ok(int8 && 'unsupported' in int8 && /127/.test(int8.unsupported));
  const cub = rows.find((r) => r.strategy === 'cub-1bit');
  assert.ok(cub && 'speedupVsBf16' in cub && cub.speedupVsBf16 > 1);
});

test('momentum sync every K steps adds 1/K of a float32 allreduce to compressed strategies only', () => {
  const base = { numParams: 1 << 20, N: 8, linkGbit: 1, computeMs: 0, constants };
  const plain = predictStep({ ...base, strategy: 'cub-1bit' });
  const every = predictStep({ ...base, strategy: 'cub-1bit', momentum: { policy: { kind: 'every', everySteps: 4, payload: 'f32' } } });
  const lion = predictStep({ ...base, strategy: 'lion' });
  assert.ok(Math.abs(every.momentumMs - lion.commMs / 4) < 1e-9);
  assert.ok(Math.abs(every.stepMs - plain.stepMs - lion.commMs / 4) < 1e-9);
  assert.equal(predictStep({ ...base, strategy: 'lion', momentum: { policy: { kind: 'every', everySteps: 1, payload: 'f32' } } }).momentumMs, 0);
});

test('bad inputs are InvalidArgumentError naming the field', () => {
  const base = { strategy: 'lion', numParams: 10, N: 2, linkGbit: 1, computeMs: 0, constants };
  for (const [field, patch] of [['numParams', { numParams: 0 }], ['N', { N: 1.5 }], ['linkGbit', { linkGbit: -1 }], ['computeMs', { computeMs: Number.NaN }], ['strategy', { strategy: 'cub-9bit' }]] as const) {
    assert.throws(() => predictStep({ ...base, ...patch }), (e: unknown) => e instanceof InvalidArgumentError && e.field === field, field);
  }
  assert.throws(() => predictStep({ ...base, strategy: 'cub-int8', N: 128 }), /127/);
});
