// Strategy names as --sync spells them, link rates, and momentum sync frequencies in the model.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { parseMomentumPolicy, scheduleSyncSteps } from '../sync/momentum-policy.js';
import { formatLinkGbit, parseLinkGbit } from './link-rate.js';
import { momentumCost } from './momentum-cost.js';
import { stepTraffic } from '../sync/step-traffic.js';
import { phaseBytes } from './phases.js';
import { modelStrategies, parseModelStrategy, stepSchedule, strategyLabel, unsupportedReason } from './strategy-schedule.js';

test('every listed strategy parses and prints back the same', () => {
  for (const s of modelStrategies()) assert.equal(strategyLabel(parseModelStrategy(s)), s);
  assert.equal(parseModelStrategy('cub-pbit').label, 'cub-pbit:bits=4');
  assert.equal(parseModelStrategy('cub-pbit:bits=8,quant=l1').label, 'cub-pbit:bits=8');
  assert.equal(parseModelStrategy('cub-int8:quant=l1').label, 'cub-int8');
});

test('every priced strategy: the comm phases send what stepTraffic predicts for its registration on rank 0', () => {
  for (const text of modelStrategies()) {
    const s = parseModelStrategy(text);
    for (const [n, d] of [[2, 1000], [5, 1 << 20], [64, 4097]]) {
      const expected = stepTraffic(s.info.stepWork!(s.spec, d, n), n, 0).bytesSent;
      assert.equal(phaseBytes(stepSchedule(s, d, n).comm).bytesSent, expected, `${text} N=${n} d=${d}`);
    }
  }
});

test('unknown names, parameters and unpriced quantisers are refused', () => {
  for (const bad of ['adam', 'cub-pbit:bits=3', 'cub-pbit:quant=l0', 'lion:bits=4', 'cub-int8:quant=stochastic', '']) {
    assert.throws(() => parseModelStrategy(bad), InvalidArgumentError, bad);
  }
});

test('the collectives\' rank limits', () => {
  const limit = (spec: string, n: number) => unsupportedReason(parseModelStrategy(spec), n);
  assert.equal(limit('cub-int8', 127), null);
  assert.match(limit('cub-int8', 128) ?? '', /127/);
  assert.match(limit('cub-1bit', 4096) ?? '', /4095/);
  assert.match(limit('dlion-avg', 4096) ?? '', /4095/);
  assert.equal(limit('cub-pbit:bits=8', 1024), null);
});

test('link rates: decimal tc units up to 10 tbit, formatted back', () => {
  assert.equal(parseLinkGbit('100mbit'), 0.1);
  assert.equal(parseLinkGbit('400GBIT'), 400);
  assert.equal(parseLinkGbit('1.6tbit'), 1600);
  assert.equal(formatLinkGbit(0.1), '100mbit');
  assert.equal(formatLinkGbit(25), '25gbit');
  for (const bad of ['fast', '10', '0.5kbit', '20tbit', '1 gbps']) assert.throws(() => parseLinkGbit(bad), InvalidArgumentError, bad);
});

test('momentum sync: every:K runs 1/K of the time, schedule:k by its step list, @bf16 halves the bytes', () => {
  const d = 1 << 20;
  assert.equal(momentumCost({ policy: parseMomentumPolicy('every:8') }, d, 4).syncsPerStep, 1 / 8);
  assert.equal(momentumCost({ policy: parseMomentumPolicy('schedule:4'), totalSteps: 1000 }, d, 4).syncsPerStep, scheduleSyncSteps(4, 1000).length / 1000);
  assert.equal(momentumCost({ policy: parseMomentumPolicy('none') }, d, 4).syncsPerStep, 0);
  assert.equal(momentumCost({ policy: parseMomentumPolicy('every:1') }, d, 1).syncsPerStep, 0);
  const f32 = phaseBytes(momentumCost({ policy: parseMomentumPolicy('every:1') }, d, 4).perSync).bytesSent;
  const bf16 = phaseBytes(momentumCost({ policy: parseMomentumPolicy('every:1@bf16') }, d, 4).perSync).bytesSent;
  assert.ok(Math.abs(bf16 / f32 - 0.5) < 0.01);
  const half = phaseBytes(momentumCost({ policy: parseMomentumPolicy('layers:dense*'), syncedFraction: 0.5 }, d, 4).perSync).bytesSent;
  assert.ok(Math.abs(half / f32 - 0.5) < 0.01);
  const adaptive = momentumCost({ policy: parseMomentumPolicy('adaptive:0.1'), numLayers: 3 }, d, 4);
  assert.equal(adaptive.perStep.length, 1);
  assert.throws(() => momentumCost({ policy: parseMomentumPolicy('every:2'), syncedFraction: 0 }, d, 4), InvalidArgumentError);
});
