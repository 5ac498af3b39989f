import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBenchTrain } from '../../src/cli/bench-train-flags.js';
import { runBenchTrain } from '../../src/bench/train/run-bench.js';
import type { TrainRunOptions, TrainRunResult } from '../../src/bench/train/run-one.js';
import type { TrainEvent } from '../../src/train/events.js';

/** A fake job: `stepMs` per step for every step, accuracy 0.5 at the end; the strategy name comes from the config. */
function events(options: TrainRunOptions, stepMs: number, accuracy = 0.5): TrainEvent[] {
  const steps = options.config.steps!;
  const finalEval = { type: 'eval' as const, step: steps, loss: 1, accuracy, numTargets: 10, evalMs: 1 };
  const list: TrainEvent[] = [{
    type: 'start', rank: 0, worldSize: options.nproc, workload: options.config.workload, strategy: options.config.sync, numParams: 10,
    totalSteps: steps, stepsPerEpoch: 10, localBatchSize: 4, startStep: 0, resumedFrom: null, trajectoryHash: 'h',
  }];
  for (let step = 1; step <= steps; step++) {
    list.push({
      type: 'step', step, totalSteps: steps, epoch: 0, loss: 1, accuracy: null, stepMs, computeMs: 1, computeCpuMs: 1, stepCpuMs: 1, dataCpuMs: 0, syncCpuMs: 0,
      sync: { step, lr: 1, encodeMs: 0, commMs: stepMs - 1, decodeMs: 0, bytesSent: 8, bytesReceived: 8, momentumSyncedValues: 0, momentumDivergence: null, skipped: false },
    });
  }
  list.push(finalEval, { type: 'done', steps, stepsRun: steps, wallSeconds: 1, stepMsMedian: stepMs, bytesSentPerStep: 8, finalEval, lastTrainLoss: 1, skippedSteps: 0 });
  return list;
}

const plan = planBenchTrain({ nproc: '2', sync: 'cub-1bit', netem: 'none,1gbit', steps: '6', repeat: '3', workload: 'synthetic', out: '/tmp/unused', transportSecurity: 'integrity' });

test('every strategy at every rate, rate by rate, repeats reduced to the median run', async () => {
  const calls: string[] = [];
  let n = 0;
  const outcome = await runBenchTrain(plan, {
    command: 'lion-cub bench train',
    runJob: async (options): Promise<TrainRunResult> => {
      calls.push(`${options.config.sync}@${options.rate}`);
      assert.equal(options.transportSecurity, 'integrity', 'every run gets the plan\'s transport security');
      n++;
      // Repetitions of one pair get 30, 10, 20 ms (plus a per-strategy offset): the median is the 20 ms run.
      const stepMs = [30, 10, 20][(n - 1) % 3] + plan.syncs.indexOf(options.config.sync) * 100;
      return { ok: true, events: events(options, stepMs), linkGbit: options.rate === 'none' ? null : 0.9 };
    },
  });
  assert.equal(outcome.failure, null);
  assert.equal(calls.length, plan.syncs.length * 2 * 3);
  assert.deepEqual(calls.slice(0, 3), ['lion@none', 'lion@none', 'lion@none']);
  assert.equal(calls[plan.syncs.length * 3], 'lion@1gbit');
  assert.equal(outcome.runs.length, plan.syncs.length * 2);
  const lion = outcome.runs.find((r) => r.sync === 'lion' && r.rate === '1gbit')!;
  const cub = outcome.runs.find((r) => r.sync === 'cub-1bit' && r.rate === '1gbit')!;
  assert.equal(lion.stepMsMedian, 20);
  assert.deepEqual([lion.stepMsMin, lion.stepMsMax, lion.repeats], [10, 30, 3]);
  assert.equal(lion.linkGbit, 0.9);
  assert.equal(cub.speedupVsLion, 20 / cub.stepMsMedian);
  assert.equal(outcome.report.runs.length, outcome.runs.length);
  assert.equal(outcome.report.nproc, 2);
  assert.equal(outcome.report.steps, 6);
  assert.equal(outcome.report.transportSecurity, 'integrity');
});

test('--heartbeat-timeout reaches every run (seconds; default 15 s)', async () => {
  for (const [heartbeatTimeout, expected] of [[undefined, 15_000], ['40', 40_000], ['0', 0]] as const) {
    const withTimeout = planBenchTrain({ nproc: '2', sync: 'cub-1bit', netem: 'none', steps: '2', repeat: '1', workload: 'synthetic', out: '/tmp/unused', heartbeatTimeout });
    const seen: Array<number | undefined> = [];
    await runBenchTrain(withTimeout, {
      command: 'lion-cub bench train',
      runJob: async (options): Promise<TrainRunResult> => {
        seen.push(options.heartbeatTimeoutMs);
        return { ok: true, events: events(options, 10), linkGbit: null };
      },
    });
    assert.deepEqual(seen, withTimeout.syncs.map(() => expected), String(heartbeatTimeout));
  }
});

test('a failed run stops the benchmark; the pairs finished before it are kept and the failure is named', async () => {
  const partial: string[][] = [];
  const outcome = await runBenchTrain({ ...plan, repeat: 1 }, {
    command: 'x',
    onPartial: (report) => { partial.push(report.runs.map((r) => r.sync)); },
    runJob: async (options): Promise<TrainRunResult> => (options.config.sync === 'dlion-mavo'
      ? { ok: false, interrupted: false, message: 'worker rank 1 exited with code 1: boom', events: [], linkGbit: null }
      : { ok: true, events: events(options, 10), linkGbit: null }),
  });
  assert.deepEqual(outcome.runs.map((r) => r.sync), ['lion', 'lion-bf16']);
  assert.deepEqual(partial, [['lion'], ['lion', 'lion-bf16']], 'the report so far after every finished pair');
  assert.deepEqual(outcome.failure, { sync: 'dlion-mavo', rate: 'none', interrupted: false, message: 'worker rank 1 exited with code 1: boom' });
});

test('--seeds: each strategy once per seed with that seed; timing over all runs, accuracy per seed and paired with lion', async () => {
  const seeded = planBenchTrain({ nproc: '2', sync: 'cub-1bit', netem: 'none', steps: '6', repeat: '1', workload: 'synthetic', out: '/tmp/unused', baselines: false, seeds: '4,2,7' });
  const withLion = { ...seeded, syncs: ['lion', ...seeded.syncs], configs: [{ ...seeded.configs[0], sync: 'lion' }, ...seeded.configs] };
  const calls: string[] = [];
  const outcome = await runBenchTrain(withLion, {
    command: 'x',
    runJob: async (options): Promise<TrainRunResult> => {
      calls.push(`${options.config.sync}#${options.config.seed}`);
      // Accuracy is the seed in tenths, lowered by 0.1 under cub-1bit on seed 7 only; step time the seed in ms.
      const accuracy = options.config.seed / 10 - (options.config.sync === 'cub-1bit' && options.config.seed === 7 ? 0.1 : 0);
      return { ok: true, events: events(options, 1 + options.config.seed, accuracy), linkGbit: null };
    },
  });
  assert.deepEqual(calls, ['lion#4', 'lion#2', 'lion#7', 'cub-1bit#4', 'cub-1bit#2', 'cub-1bit#7']);
  assert.deepEqual(outcome.report.seeds, [4, 2, 7]);
  assert.equal(outcome.report.seed, 4);
  const cub = outcome.runs.find((r) => r.sync === 'cub-1bit')!;
  assert.equal(cub.stepMsMedian, 5, 'the median step time over the three seeds\' runs');
  assert.deepEqual([cub.stepMsMin, cub.stepMsMax, cub.repeats], [3, 8, 3]);
  assert.equal(cub.finalMetric, 0.4, 'final metric of the first seed');
  assert.deepEqual(cub.overSeeds!.seeds.map((s) => [s.seed, s.finalMetric]), [[4, 0.4], [2, 0.2], [7, 0.7 - 0.1]]);
  assert.deepEqual([cub.overSeeds!.finalMetric.min, cub.overSeeds!.finalMetric.max], [0.2, 0.7 - 0.1]);
  assert.deepEqual([cub.pairedVsLion!.higher, cub.pairedVsLion!.equal, cub.pairedVsLion!.lower], [0, 2, 1]);
  assert.equal(outcome.runs.find((r) => r.sync === 'lion')!.pairedVsLion, undefined);
});
