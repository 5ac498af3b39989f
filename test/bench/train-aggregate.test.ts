import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectRunEvents, expectedMaximum, medianRun, summariseRun, warmupSkipped } from '../../src/bench/train/aggregate.js';
import type { StrategyRun } from '../../src/bench/train/report/types.js';
import { applySpeedups, timeToTarget } from '../../src/bench/train/speedup.js';
import type { EvalEvent, TrainEvent } from '../../src/train/events.js';

interface StepSpec { stepMs: number; computeMs?: number; computeCpuMs?: number; stepCpuMs?: number; dataCpuMs?: number; syncCpuMs?: number; encodeMs?: number; commMs?: number; decodeMs?: number; bytes?: number; loss?: number }

/** A run as rank 0 reports it: start, steps, evals at the given steps, done. */
function stream(strategy: string, steps: StepSpec[], evals: Array<[step: number, accuracy: number]>): TrainEvent[] {
  const events: TrainEvent[] = [{
    type: 'start', rank: 0, worldSize: 2, workload: 'synthetic', strategy, numParams: 1000, totalSteps: steps.length,
    stepsPerEpoch: 100, localBatchSize: 8, startStep: 0, resumedFrom: null, trajectoryHash: 'x',
  }];
  const evalAt = new Map(evals);
  let last: EvalEvent | undefined;
  steps.forEach((s, i) => {
    const step = i + 1;
    events.push({
      type: 'step', step, totalSteps: steps.length, epoch: 0, loss: s.loss ?? 1 / step, accuracy: null, stepMs: s.stepMs, computeMs: s.computeMs ?? 0, computeCpuMs: s.computeCpuMs ?? 0, stepCpuMs: s.stepCpuMs ?? 0,
      dataCpuMs: s.dataCpuMs ?? 0, syncCpuMs: s.syncCpuMs ?? 0,
      sync: { step, lr: 1e-3, encodeMs: s.encodeMs ?? 0, commMs: s.commMs ?? 0, decodeMs: s.decodeMs ?? 0, bytesSent: s.bytes ?? 0, bytesReceived: 0, momentumSyncedValues: 0, momentumDivergence: null, skipped: false },
    });
    const accuracy = evalAt.get(step);
    if (accuracy !== undefined) {
      last = { type: 'eval', step, loss: 1 - accuracy, accuracy, numTargets: 100, evalMs: 999 };
      events.push(last);
    }
  });
  assert.ok(last && last.step === steps.length, 'the trainer always evaluates at the end');
  events.push({ type: 'done', steps: steps.length, stepsRun: steps.length, wallSeconds: 99, stepMsMedian: 0, bytesSentPerStep: 0, finalEval: last, lastTrainLoss: null, skippedSteps: 0 });
  return events;
}

const link = { rate: '1gbit', linkGbit: 0.94 };

test('warm-up: the first steps are skipped, but never all of them', () => {
  assert.equal(warmupSkipped(100, 5), 5);
  assert.equal(warmupSkipped(3, 5), 2);
  assert.equal(warmupSkipped(1, 5), 0);
});

test('per-step medians ignore the warm-up steps; codec = encode + decode; bytes are the mean after warm-up', () => {
  const steps: StepSpec[] = [
    { stepMs: 1000, computeMs: 900, encodeMs: 50, commMs: 40, decodeMs: 10, bytes: 1e6 },
    { stepMs: 500, computeMs: 400, encodeMs: 50, commMs: 40, decodeMs: 10, bytes: 1e6 },
    { stepMs: 10, computeMs: 4, encodeMs: 1, commMs: 3, decodeMs: 2, bytes: 100 },
    { stepMs: 30, computeMs: 6, encodeMs: 3, commMs: 9, decodeMs: 1, bytes: 300 },
    { stepMs: 20, computeMs: 5, encodeMs: 2, commMs: 5, decodeMs: 3, bytes: 200 },
  ];
  const run = summariseRun(collectRunEvents(stream('cub-1bit', steps, [[5, 0.5]])), link, 2);
  assert.equal(run.sync, 'cub-1bit');
  assert.equal(run.rate, '1gbit');
  assert.equal(run.linkGbit, 0.94);
  assert.equal(run.stepMsMedian, 20);
  assert.equal(run.computeMs, 5);
  assert.equal(run.encodeMs, 2);
  assert.equal(run.commMs, 5);
  assert.equal(run.decodeMs, 2);
  assert.equal(run.codecMs, 4);
  assert.equal(run.bytesSentPerStep, 200);
  assert.equal(run.numParams, 1000);
  assert.equal(run.finalLoss, 1 / 5);
  assert.equal(run.finalMetric, 0.5);
  assert.deepEqual(run.stepTimings.map((t) => [t.step, t.stepMs, t.commMs, t.bytesSent]), steps.map((s, i) => [i + 1, s.stepMs, s.commMs, s.bytes]), 'every step kept, warm-up included');
  for (const field of ['speedupVsLion', 'speedupVsBf16', 'timeToTargetSeconds', 'speedupToTargetVsLion', 'predictedStepMs'] as const) assert.equal(run[field], null);
});

test('compute per rank: each rank\'s own median after warm-up; rank 0 alone when other ranks sent no steps', () => {
  const rank0: StepSpec[] = [{ stepMs: 100, computeMs: 90 }, { stepMs: 10, computeMs: 4 }, { stepMs: 10, computeMs: 6 }, { stepMs: 10, computeMs: 5 }];
  const rank1: StepSpec[] = [{ stepMs: 100, computeMs: 80 }, { stepMs: 10, computeMs: 9 }, { stepMs: 10, computeMs: 7 }, { stepMs: 10, computeMs: 8 }];
  const events = collectRunEvents(stream('noop', rank0, [[4, 0.5]]));
  const stepsOf = (specs: StepSpec[]) => collectRunEvents(stream('noop', specs, [[specs.length, 0.5]])).steps;
  assert.deepEqual(summariseRun(events, link, 1, [stepsOf(rank0), stepsOf(rank1)]).computeMsPerRank, [5, 8]);
  assert.deepEqual(summariseRun(events, link, 1).computeMsPerRank, [5]);
  assert.equal(summariseRun(events, link, 1, [stepsOf(rank0), []]).computeMsPerRank, undefined);
});

test('CPU time per rank: each rank\'s median CPU ms of the compute phase and of the whole step, after warm-up', () => {
  const rank0: StepSpec[] = [{ stepMs: 100, computeCpuMs: 90, stepCpuMs: 95 }, { stepMs: 10, computeCpuMs: 4, stepCpuMs: 7 }, { stepMs: 10, computeCpuMs: 6, stepCpuMs: 9 }];
  const rank1: StepSpec[] = [{ stepMs: 100, computeCpuMs: 80, stepCpuMs: 85 }, { stepMs: 10, computeCpuMs: 9, stepCpuMs: 12 }, { stepMs: 10, computeCpuMs: 7, stepCpuMs: 10 }];
  const stepsOf = (specs: StepSpec[]) => collectRunEvents(stream('noop', specs, [[specs.length, 0.5]])).steps;
  const run = summariseRun(collectRunEvents(stream('noop', rank0, [[3, 0.5]])), link, 1, [stepsOf(rank0), stepsOf(rank1)]);
  assert.deepEqual(run.computeCpuMsPerRank, [5, 8]);
  assert.deepEqual(run.stepCpuMsPerRank, [8, 11]);
  assert.equal(summariseRun(collectRunEvents(stream('noop', rank0, [[3, 0.5]])), link, 1, [stepsOf(rank0), []]).stepCpuMsPerRank, undefined);
});

test('the rest of the step per rank: data, strategy and other CPU ms (step − compute − data − strategy), each a median after warm-up', () => {
  const rank0: StepSpec[] = [
    { stepMs: 100, computeCpuMs: 90, stepCpuMs: 99, dataCpuMs: 3, syncCpuMs: 5 },
    { stepMs: 10, computeCpuMs: 4, stepCpuMs: 10, dataCpuMs: 0.5, syncCpuMs: 4 },
    { stepMs: 10, computeCpuMs: 6, stepCpuMs: 12, dataCpuMs: 1.5, syncCpuMs: 2 },
  ];
  const rank1: StepSpec[] = [
    { stepMs: 100, computeCpuMs: 80, stepCpuMs: 85, dataCpuMs: 2, syncCpuMs: 2 },
    { stepMs: 10, computeCpuMs: 9, stepCpuMs: 20, dataCpuMs: 1, syncCpuMs: 6 },
    { stepMs: 10, computeCpuMs: 7, stepCpuMs: 16, dataCpuMs: 1, syncCpuMs: 8 },
  ];
  const stepsOf = (specs: StepSpec[]) => collectRunEvents(stream('noop', specs, [[specs.length, 0.5]])).steps;
  const run = summariseRun(collectRunEvents(stream('noop', rank0, [[3, 0.5]])), link, 1, [stepsOf(rank0), stepsOf(rank1)]);
  assert.deepEqual(run.dataCpuMsPerRank, [1, 1]);
  assert.deepEqual(run.syncCpuMsPerRank, [3, 7]);
  // rank 0: others 1.5 and 2.5 → 2; rank 1: 4 and 0 → 2.
  assert.deepEqual(run.otherCpuMsPerRank, [2, 2]);
  assert.equal(summariseRun(collectRunEvents(stream('noop', rank0, [[3, 0.5]])), link, 1, [stepsOf(rank0), []]).syncCpuMsPerRank, undefined);
});

test('curve and eval points sit at cumulative training time; the final eval appears once', () => {
  const events = stream('lion', [{ stepMs: 100 }, { stepMs: 200 }, { stepMs: 300 }, { stepMs: 400 }], [[2, 0.3], [4, 0.6]]);
  const run = summariseRun(collectRunEvents(events), link, 0);
  assert.deepEqual(run.curve.map((p) => p.wallSeconds), [0.1, 0.3, 0.6, 1]);
  assert.deepEqual(run.curve.map((p) => p.step), [1, 2, 3, 4]);
  assert.deepEqual(run.evals.map((e) => [e.step, e.accuracy]), [[2, 0.3], [4, 0.6]]);
  assert.equal(run.evals[0].wallSeconds, run.curve[1].wallSeconds);
  assert.equal(run.evals[1].wallSeconds, run.curve[3].wallSeconds);
});

test('a stream without start or done is refused', () => {
  const events = stream('lion', [{ stepMs: 1 }], [[1, 0.1]]);
  assert.throws(() => collectRunEvents(events.slice(0, -1)), /done event/);
  assert.throws(() => collectRunEvents(events.slice(1)), /start event/);
});

function row(sync: string, rate: string, stepMsMedian: number, evals: Array<[number, number]>, finalMetric = evals.at(-1)![1]): StrategyRun {
  return {
    sync, rate, linkGbit: null, stepMsMedian, computeMs: 0, computeMsSlowest: 0, encodeMs: 0, commMs: 0, decodeMs: 0, codecMs: 0, bytesSentPerStep: 0, numParams: 1,
    finalLoss: 0, finalMetric, speedupVsLion: null, speedupVsBf16: null, timeToTargetSeconds: null, speedupToTargetVsLion: null, predictedStepMs: null,
    curve: [], evals: evals.map(([wallSeconds, accuracy], i) => ({ step: (i + 1) * 100, wallSeconds, loss: 0, accuracy })),
  };
}

test('speedups: ratios against lion and lion-bf16 at the same rate only; time to lion\'s final metric', () => {
  const runs = applySpeedups([
    row('lion', '1gbit', 100, [[10, 0.8], [20, 0.9]]),
    row('lion-bf16', '1gbit', 50, [[5, 0.85], [10, 0.9]]),
    row('cub-pbit:bits=4,quant=l1', '1gbit', 20, [[2, 0.7], [4, 0.91], [6, 0.92]]),
    row('cub-1bit', '1gbit', 10, [[1, 0.5], [2, 0.6]]),
    row('cub-1bit', 'none', 10, [[1, 0.95]]),
  ]);
  const [lion, bf16, pbit, onebit, unshaped] = runs;
  assert.equal(lion.speedupVsLion, 1);
  assert.equal(lion.timeToTargetSeconds, 20);
  assert.equal(lion.speedupToTargetVsLion, 1);
  assert.equal(bf16.speedupVsLion, 2);
  assert.equal(bf16.speedupVsBf16, 1);
  assert.equal(pbit.speedupVsLion, 5);
  assert.equal(pbit.speedupVsBf16, 2.5);
  assert.equal(pbit.timeToTargetSeconds, 4);
  assert.equal(pbit.speedupToTargetVsLion, 5);
  assert.equal(onebit.speedupVsLion, 10);
  assert.equal(onebit.timeToTargetSeconds, null, 'never reached 0.9');
  assert.equal(onebit.speedupToTargetVsLion, null);
  assert.equal(unshaped.speedupVsLion, null, 'no lion run at rate none');
  assert.equal(unshaped.speedupVsBf16, null);
  assert.equal(unshaped.timeToTargetSeconds, null);
  assert.equal(timeToTarget(unshaped, 0.95), 1);
});

test('repeats: the median run is kept, with the min and max step time', () => {
  const runs = [row('lion', 'none', 30, [[1, 0.3]]), row('lion', 'none', 10, [[1, 0.1]]), row('lion', 'none', 20, [[1, 0.2]])];
  const chosen = medianRun(runs);
  assert.equal(chosen.stepMsMedian, 20);
  assert.equal(chosen.finalMetric, 0.2);
  assert.equal(chosen.repeats, 3);
  assert.equal(chosen.stepMsMin, 10);
  assert.equal(chosen.stepMsMax, 30);
  assert.equal(medianRun(runs.slice(0, 2)).stepMsMedian, 10, 'lower middle of an even count');
  assert.throws(() => medianRun([]), /at least one run/);
});

test('expectedMaximum is the mean for one draw, grows with the draws, and is exact on a two-point distribution', () => {
  assert.equal(expectedMaximum([1, 2, 3, 4], 1), 2.5);
  assert.ok(expectedMaximum([1, 2, 3, 4], 4) > expectedMaximum([1, 2, 3, 4], 2));
  assert.ok(expectedMaximum([1, 2, 3, 4], 64) <= 4);
  // Two equally likely values 0 and 10: the max of 3 draws is 0 only when all three are 0 (1/8).
  assert.equal(expectedMaximum([0, 10], 3), 10 * (1 - 1 / 8));
  assert.throws(() => expectedMaximum([], 2), /at least one sample/);
});
