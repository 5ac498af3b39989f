// The results file of `lion-cub bench train`: what the runner writes and the report renderer reads.

import type { TransportSecurity } from '../../../comm/transport/security-mode.js';
import type { MachineInfo } from '../../harness.js';

/** One training step as seen by rank 0. */
export interface TrainCurvePoint {
  /** Optimizer step, counted from 1. */
  step: number;
  /** Seconds since the first step started (warm-up and evaluation time excluded or not, as the runner documents). */
  wallSeconds: number;
  /** Training loss of that step's global batch. */
  loss: number;
}

/** One full test-set evaluation. */
export interface EvalPoint {
  step: number;
  wallSeconds: number;
  /** Test loss (mean over the test set). */
  loss: number;
  /** Test accuracy in [0, 1]: the workload's metric. */
  accuracy: number;
}

/** One (strategy, link rate) pair: a whole training run. Times are milliseconds per step, medians over steps. */
export interface StrategyRun {
  /** Canonical strategy spec as `--sync` takes it, e.g. `cub-pbit:bits=4,quant=l1`, `lion`, `noop`. */
  sync: string;
  /** Nominal link rate in tc units (`100mbit`, `1gbit`, `10gbit`) or `none` for an unshaped link. */
  rate: string;
  /** Measured single-stream throughput of the emulated link in the same run, Gbit/s (10^9 bit/s); null when not measured. */
  linkGbit: number | null;
  /** Median wall time of one whole step (compute + sync + everything else). */
  stepMsMedian: number;
  /** Forward + backward. */
  computeMs: number;
  /**
   * Forward + backward of the slowest of the N ranks, expected: the expected maximum of N draws from this rank's
   * per-step compute times after warm-up (the ranks run the same work on shared cores). A synchronous step
   * cannot finish before its slowest rank has computed, so this, not the median, is the compute the cost model
   * prices for every strategy that communicates.
   */
  computeMsSlowest: number;
  /** Each rank's own median compute per step after warm-up (rank order); absent in reports from before it was measured. */
  computeMsPerRank?: number[];
  /** Each rank's median CPU time (user + system of its process) in the compute phase per step, after warm-up (rank order). */
  computeCpuMsPerRank?: number[];
  /** Each rank's median CPU time per whole step (compute, strategy, update), after warm-up (rank order). */
  stepCpuMsPerRank?: number[];
  /** Each rank's median CPU time per step assembling and freeing its batch, after warm-up (rank order). */
  dataCpuMsPerRank?: number[];
  /**
   * Each rank's median CPU time per step in the strategy's step (encode, communication, decode; for noop and the
   * Lion baselines the finiteness check and the Lion update, plus the allreduce of lion and lion-bf16), after warm-up.
   */
  syncCpuMsPerRank?: number[];
  /** Each rank's median of step − compute − data − strategy CPU per step: bookkeeping, events, the batch-accuracy pass. */
  otherCpuMsPerRank?: number[];
  /** Building what is sent (clip, pre-sign update, pack, quantise). */
  encodeMs: number;
  /** Waiting for collectives. */
  commMs: number;
  /** Applying the combined direction to parameters and momentum. */
  decodeMs: number;
  /** Codec work per step (encodeMs + decodeMs): the γ term the cost model calibrates. */
  codecMs: number;
  /** Bytes one rank wrote to the network per step (socket counters, frame headers included); the max over ranks. */
  bytesSentPerStep: number;
  /** Trainable parameters d of the model. */
  numParams: number;
  /** Training loss at the last step. */
  finalLoss: number;
  /** Test accuracy after the last step, in [0, 1]. */
  finalMetric: number;
  /** Step time of `lion` at this rate / this run's step time; null without a lion run at this rate. */
  speedupVsLion: number | null;
  /** Step time of `lion-bf16` at this rate / this run's step time; null without a lion-bf16 run at this rate. */
  speedupVsBf16: number | null;
  /** Wall seconds until the test metric first reached lion's final metric at this rate; null if it never did. */
  timeToTargetSeconds: number | null;
  /** Lion's time to its own final metric / timeToTargetSeconds; null when either is missing. */
  speedupToTargetVsLion: number | null;
  /** Step time the α–β–γ cost model predicts for this strategy, rate and N; null when the model is not calibrated. */
  predictedStepMs: number | null;
  /** Per-step training loss (may be every step; the renderer thins it). */
  curve: TrainCurvePoint[];
  /** Test evaluations in step order; empty when the run evaluated only at the end or not at all. */
  evals: EvalPoint[];
  /** With several seeds (`--seeds`): every seed's final loss and metric, and their mean, min and max. */
  overSeeds?: OverSeeds;
  /**
   * With several seeds: this run's final metric and loss minus lion's at the same rate, seed by seed (paired);
   * null when lion did not run at this rate, absent on lion's own row and with one seed.
   */
  pairedVsLion?: PairedVsLion | null;
}

/** Mean, smallest and largest of a few values. */
export interface Spread {
  mean: number;
  min: number;
  max: number;
}

/** One seed's run: its final training loss and test metric. */
export interface SeedOutcome {
  seed: number;
  finalLoss: number;
  finalMetric: number;
}

/** The same (strategy, rate) trained once per seed. */
export interface OverSeeds {
  /** In the order of `--seeds`. */
  seeds: SeedOutcome[];
  finalLoss: Spread;
  finalMetric: Spread;
}

/** Differences to lion on the same seeds (this run − lion), over the seeds both ran. */
export interface PairedVsLion {
  /** Seeds compared. */
  seeds: number;
  /** Test metric difference; `sd` is the sample standard deviation of the per-seed differences (0 for one seed). */
  metricDiff: Spread & { sd: number };
  /** Final training loss difference. */
  lossDiff: Spread;
  /** Seeds on which this run's test metric was above, equal to and below lion's. */
  higher: number;
  equal: number;
  lower: number;
}

/** The whole benchmark: same workload, world size, steps and seed for every run. */
export interface BenchTrainReport {
  /** Workload name as `--workload` takes it. */
  workload: string;
  /** World size N. */
  nproc: number;
  steps: number;
  /** The seed of every run, or with several seeds the first of them. */
  seed: number;
  /** Every seed each (strategy, rate) ran with (`--seeds`); absent with one seed. */
  seeds?: number[];
  /** What protected the workers' peer links (encrypt, integrity or none); absent in reports made before the flag existed. */
  transportSecurity?: TransportSecurity;
  /** The machine the runs were measured on (extra keys are shown as they are). */
  machine: MachineInfo & { [key: string]: string | number | boolean | null };
  /** ISO 8601 time the benchmark started. */
  createdAt: string;
  /** The command line that produced this report, to reproduce it. */
  command: string;
  runs: StrategyRun[];
  /** How well the cost model matched the measured step times: max over points of |pred − meas| / meas. */
  modelError?: { maxAbsRelError: number; points: number };
}
