// The fit recovers the constants that generated its measurements (the measurements made by the model itself).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { fitNetwork, type LaunchMeasurement, type ShapedLaunch, type TimedCall } from './calibration-fit.js';
import { alphaUsFor, type CostConstants } from './constants.js';
import { commPhaseCost } from './phase-cost.js';
import { allgatherPhase, allreducePhase } from './plain-phases.js';
import { testConstants } from './test-support/constants.js';

const MIB = 2 ** 20;

function timed(ms: number, bytes: number): TimedCall {
  return { bytes, medianMs: ms, minMs: ms };
}

/** What the calibration would measure if the model were exact with `truth`. */
function measure(truth: CostConstants, linkGbit: number | null, chunkBytes: number, allgatherBytes: number[], allreduceBytes: number): LaunchMeasurement {
  const ctx = { constants: truth, linkGbit, kappa: 1 };
  const t = (phase: ReturnType<typeof allreducePhase>): number => commPhaseCost(phase, ctx).ms;
  return {
    worldSize: 2,
    chunkBytes,
    latency: timed(t(allreducePhase(1, 'float32', 2, { chunkBytes })), 4),
    allgather: allgatherBytes.map((b) => timed(t(allgatherPhase(b / 4, 'float32', 2, { chunkBytes })), b)),
    allreduce: allreduceBytes ? timed(t(allreducePhase(allreduceBytes / 4, 'float32', 2, { chunkBytes })), allreduceBytes) : null,
  };
}

test('α, o, h from loopback and η, φ, per-link α from shaped links come back as they went in', () => {
  const truth = testConstants({ alphaUs: 60, messageUs: 7, hostNsPerByte: 3, wireEfficiency: 0.95, overlapPenalty: 0.3 }, { 'reduce-f32': 2 });
  truth.links = [
    { rate: '1gbit', rateGbit: 1, streamGbit: 0.95, alphaUs: 120, allreduceBytes: 0, allreduceMs: 0, busbwGbit: 0 },
    { rate: '100mbit', rateGbit: 0.1, streamGbit: 0.095, alphaUs: 150, allreduceBytes: 0, allreduceMs: 0, busbwGbit: 0 },
  ];
  const loopback = measure(truth, null, 256 * 1024, [2 * MIB, 16 * MIB], 16 * MIB);
  const small = measure(truth, null, 1024, [2 * MIB], 0);
  const shaped: ShapedLaunch[] = truth.links.map((l) => ({ rate: l.rate!, rateGbit: l.rateGbit!, streamGbit: l.streamGbit, measurement: measure(truth, l.rateGbit, 256 * 1024, [], 8 * MIB) }));
  const fit = fitNetwork(truth.kernels, loopback, small, shaped);
  const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), `${what}: ${got} vs ${want}`);
  close(fit.network.alphaUs, 60, 'α');
  close(fit.network.messageUs, 7, 'o');
  close(fit.network.hostNsPerByte, 3, 'h');
  close(fit.network.wireEfficiency, 0.95, 'η');
  close(fit.network.overlapPenalty, 0.3, 'φ');
  const fitted = { ...truth, network: fit.network, links: fit.links };
  close(alphaUsFor(fitted, 1), 120, 'α at 1gbit');
  close(alphaUsFor(fitted, 0.1), 150, 'α at 100mbit');
  assert.equal(fit.links[0].rate, null);
  assert.equal(fit.links.length, 3);
});

test('without shaped links η and φ keep their documented defaults', () => {
  const truth = testConstants();
  const fit = fitNetwork(truth.kernels, measure(truth, null, 262_144, [2 * MIB, 16 * MIB], 0), measure(truth, null, 1024, [2 * MIB], 0), []);
  assert.ok(Math.abs(fit.network.wireEfficiency - 1448 / 1514) < 1e-12);
  assert.equal(fit.network.overlapPenalty, 0.5);
});

test('a launch without allgathers or with another world size is refused', () => {
  const truth = testConstants();
  const m = measure(truth, null, 262_144, [2 * MIB], 0);
  assert.throws(() => fitNetwork(truth.kernels, { ...m, allgather: [] }, m, []), InvalidArgumentError);
  assert.throws(() => fitNetwork(truth.kernels, m, { ...m, worldSize: 4 }, []), InvalidArgumentError);
});
