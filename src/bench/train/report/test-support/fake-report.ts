// A synthetic BenchTrainReport for the renderer's tests. Every number here is made up (FAKE), not measured.

import type { BenchTrainReport, EvalPoint, StrategyRun, TrainCurvePoint } from '../types.js';

export const FAKE_STRATEGIES = ['lion', 'lion-bf16', 'dlion-mavo', 'cub-1bit', 'cub-pbit:bits=4,quant=l1', 'noop'] as const;
export const FAKE_RATES = ['100mbit', '1gbit', 'none'] as const;

/** Made-up bytes per parameter per step for each strategy (shaped like the real ratios, not measured). */
const FAKE_BYTES_PER_PARAM: Record<string, number> = {
  lion: 6, 'lion-bf16': 3, 'dlion-mavo': 0.875, 'cub-1bit': 0.25, 'cub-pbit:bits=4,quant=l1': 0.75, noop: 0,
};
/** Made-up slowdown of convergence per strategy (1 = like lion). */
const FAKE_LOSS_RATE: Record<string, number> = {
  lion: 1, 'lion-bf16': 1, 'dlion-mavo': 0.8, 'cub-1bit': 0.9, 'cub-pbit:bits=4,quant=l1': 1.05, noop: 0.6,
};
const FAKE_LINK_GBIT: Record<string, number | null> = { '100mbit': 0.096, '1gbit': 0.95, none: null };

/** Deterministic wiggle in [-1, 1] so fake curves look like minibatch noise without a random generator. */
function wiggle(i: number, salt: number): number {
  return Math.sin(i * 12.9898 + salt * 78.233) * Math.cos(i * 0.37 + salt);
}

function fakeRun(sync: string, rate: string, steps: number, evalEvery: number, salt: number): StrategyRun {
  const numParams = 1_000_000;
  const bytes = FAKE_BYTES_PER_PARAM[sync] * numParams;
  const gbit = FAKE_LINK_GBIT[rate] ?? 5;
  const computeMs = 40;
  const encodeMs = sync.startsWith('cub') || sync.startsWith('dlion') ? 3 : 1;
  const decodeMs = 2;
  const commMs = (bytes * 8) / (gbit * 1e9) * 1000;
  const stepMs = computeMs + encodeMs + commMs + decodeMs + 1.5;
  const k = FAKE_LOSS_RATE[sync];
  const loss = (step: number) => 0.25 + 2 * Math.exp((-k * step) / 150);
  const curve: TrainCurvePoint[] = [];
  for (let step = 1; step <= steps; step++) {
    curve.push({ step, wallSeconds: (step * stepMs) / 1000, loss: loss(step) + 0.08 * wiggle(step, salt) });
  }
  const evals: EvalPoint[] = [];
  for (let step = evalEvery; step <= steps; step += evalEvery) {
    evals.push({ step, wallSeconds: (step * stepMs) / 1000, loss: loss(step), accuracy: 0.97 - 0.6 * Math.exp((-k * step) / 120) });
  }
  return {
    sync, rate, linkGbit: FAKE_LINK_GBIT[rate], stepMsMedian: stepMs, computeMs, computeMsSlowest: computeMs * 1.2, encodeMs, commMs, decodeMs,
    codecMs: encodeMs + decodeMs, bytesSentPerStep: bytes, numParams,
    finalLoss: curve[curve.length - 1].loss, finalMetric: evals.length ? evals[evals.length - 1].accuracy : 0,
    speedupVsLion: null, speedupVsBf16: null, timeToTargetSeconds: null, speedupToTargetVsLion: null,
    predictedStepMs: stepMs * (1 + 0.1 * wiggle(salt, 3)), curve, evals,
  };
}

/** A FAKE report: 6 strategies × 3 link rates, `steps` steps each, evaluations every `evalEvery` steps. */
export function fakeReport(steps = 600, evalEvery = 100): BenchTrainReport {
  const runs: StrategyRun[] = [];
  let salt = 0;
  for (const rate of FAKE_RATES) for (const sync of FAKE_STRATEGIES) runs.push(fakeRun(sync, rate, steps, evalEvery, salt++));
  for (const run of runs) {
    const lion = runs.find((r) => r.rate === run.rate && r.sync === 'lion') as StrategyRun;
    const bf16 = runs.find((r) => r.rate === run.rate && r.sync === 'lion-bf16') as StrategyRun;
    run.speedupVsLion = lion.stepMsMedian / run.stepMsMedian;
    run.speedupVsBf16 = bf16.stepMsMedian / run.stepMsMedian;
    const hit = run.evals.find((e) => e.accuracy >= lion.finalMetric - 1e-9);
    const lionHit = lion.evals.find((e) => e.accuracy >= lion.finalMetric - 1e-9);
    run.timeToTargetSeconds = hit ? hit.wallSeconds : null;
    run.speedupToTargetVsLion = hit && lionHit ? lionHit.wallSeconds / hit.wallSeconds : null;
  }
  return {
    workload: 'fake-mlp',
    nproc: 4,
    steps,
    seed: 7,
    machine: { cpus: 2, cpuModel: 'FAKE CPU', node: 'v20.0.0', platform: 'linux-x64', totalMemGiB: 24 },
    createdAt: '2000-01-01T00:00:00.000Z',
    command: 'lion-cub bench train --workload fake-mlp --nproc 4 --rates 100mbit,1gbit,none  # FAKE data for tests',
    runs,
    modelError: { maxAbsRelError: 0.1, points: runs.length },
  };
}
