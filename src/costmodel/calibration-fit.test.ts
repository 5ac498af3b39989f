// The fit recovers the constants that generated its measurements (the measurements made by the model itself).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { fitNetwork, type LaunchMeasurement, type ShapedLaunch, type TimedCall } from './calibration-fit.js';
import { alphaUsFor, type CostConstants } from './constants.js';
import { commPhaseCost } from './phase-cost.js';
import { allgatherPhase, allreducePhase } from './plain-phases.js';
import { allgathervPhase } from './compressed-phases.js';
import { testConstants } from './test-support/constants.js';

const MIB = 2 ** 20;

function timed(ms: number, bytes: number): TimedCall {
  return { bytes, medianMs: ms, minMs: ms };
}

/** What the calibration would measure if the model were exact with `truth`. */
function measure(truth: CostConstants, linkGbit: number | null, chunkBytes: number, allgatherBytes: number[], allreduceBytes: number, worldSize = 2, kappa = 1): LaunchMeasurement {
  const ctx = { constants: truth, linkGbit, kappa };
  const t = (phase: ReturnType<typeof allreducePhase>): number => commPhaseCost(phase, ctx).ms;
  return {
    worldSize,
    chunkBytes,
    latency: timed(t(allreducePhase(1, 'float32', worldSize, { chunkBytes })), 4),
    allgather: allgatherBytes.map((b) => timed(t(allgatherPhase(b / 4, 'float32', worldSize, { chunkBytes })), b)),
    allreduce: allreduceBytes ? timed(t(allreducePhase(allreduceBytes / 4, 'float32', worldSize, { chunkBytes })), allreduceBytes) : null,
    rounds: {
      plain: timed(t(allgatherPhase(worldSize, 'float32', worldSize, { chunkBytes })), 4 * worldSize),
      variable: timed(t(allgathervPhase(worldSize, 1, () => 4, { chunkBytes })), 4 * worldSize),
    },
  };
}

test('α, o, h from loopback and η, φ, per-link α from shaped links come back as they went in', () => {
  const truth = testConstants({
    alphaUs: 60, variableRoundUs: 25, messageUs: 7, hostNsPerByte: 3, wireEfficiency: 0.95, overlapPenalty: 0.3, alphaContentionSlope: 1.7, transportContentionSlope: 0.2,
  }, { 'reduce-f32': 2 });
  truth.links = [
    { rate: '1gbit', rateGbit: 1, streamGbit: 0.95, alphaUs: 120, allreduceBytes: 0, allreduceMs: 0, busbwGbit: 0 },
    { rate: '100mbit', rateGbit: 0.1, streamGbit: 0.095, alphaUs: 150, allreduceBytes: 0, allreduceMs: 0, busbwGbit: 0 },
  ];
  const loopback = measure(truth, null, 256 * 1024, [2 * MIB, 16 * MIB], 16 * MIB);
  const small = measure(truth, null, 1024, [2 * MIB], 0);
  const shaped: ShapedLaunch[] = truth.links.map((l) => ({ rate: l.rate!, rateGbit: l.rateGbit!, streamGbit: l.streamGbit, measurement: measure(truth, l.rateGbit, 256 * 1024, [], 8 * MIB) }));
  const contended = { cores: 2, measurement: measure(truth, null, 256 * 1024, [16 * MIB], 0, 4, 2) };
  const fit = fitNetwork(truth.kernels, loopback, small, shaped, 'median', contended);
  const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, want), `${what}: ${got} vs ${want}`);
  close(fit.network.alphaUs, 60, 'α');
  close(fit.network.variableRoundUs, 25, 'δ');
  close(fit.network.messageUs, 7, 'o');
  close(fit.network.hostNsPerByte, 3, 'h');
  close(fit.network.wireEfficiency, 0.95, 'η');
  close(fit.network.overlapPenalty, 0.3, 'φ');
  close(fit.network.alphaContentionSlope, 1.7, 's_α');
  close(fit.network.transportContentionSlope, 0.2, 's_h');
  const fitted = { ...truth, network: fit.network, links: fit.links };
  close(alphaUsFor(fitted, 1), 120, 'α at 1gbit');
  close(alphaUsFor(fitted, 0.1), 150, 'α at 100mbit');
  assert.equal(fit.links[0].rate, null);
  assert.equal(fit.links.length, 3);
});

test('without shaped links η and φ keep their documented defaults, without a contended launch the slopes are 1', () => {
  const truth = testConstants();
  const fit = fitNetwork(truth.kernels, measure(truth, null, 262_144, [2 * MIB, 16 * MIB], 0), measure(truth, null, 1024, [2 * MIB], 0), []);
  assert.ok(Math.abs(fit.network.wireEfficiency - 1448 / 1514) < 1e-12);
  assert.equal(fit.network.overlapPenalty, 0.5);
  assert.equal(fit.network.alphaContentionSlope, 1);
  assert.equal(fit.network.transportContentionSlope, 1);
});

test('a launch without allgathers or with another world size is refused', () => {
  const truth = testConstants();
  const m = measure(truth, null, 262_144, [2 * MIB], 0);
  assert.throws(() => fitNetwork(truth.kernels, { ...m, allgather: [] }, m, []), InvalidArgumentError);
  assert.throws(() => fitNetwork(truth.kernels, m, { ...m, worldSize: 4 }, []), InvalidArgumentError);
});
