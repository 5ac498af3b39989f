// What `lion-cub bench train` runs: which strategies at which link rates, and each run's training configuration.

import type { TransportSecurity } from '../../comm/transport/security-mode.js';
import type { TrainConfig } from '../../train/config.js';

/** The strategies every benchmark compares against, in this order, unless --no-baselines is given. */
export const BASELINES = ['lion', 'lion-bf16', 'dlion-mavo', 'noop'] as const;

/** Link rate label meaning "no emulated network: workers talk over unshaped loopback". */
export const UNSHAPED = 'none';

export interface BenchTrainPlan {
  workload: string;
  nproc: number;
  steps: number;
  /** The first of `seeds`. */
  seed: number;
  /** Every (strategy, rate) runs once per seed (each `repeat` times), in this order; at least one, no duplicates. */
  seeds: number[];
  /** Strategy specs as given (baselines first), without duplicates. */
  syncs: string[];
  /** Link rates as given (`1gbit`, …, or `none`). */
  rates: string[];
  repeat: number;
  /** One validated configuration per entry of `syncs`, same index, with the first seed (run-bench sets the others). */
  configs: TrainConfig[];
  /** What protects the workers' peer links (every run of the benchmark uses the same mode). */
  transportSecurity: TransportSecurity;
  /** The launcher's --heartbeat-timeout for every run (0: off). */
  heartbeatTimeoutMs: number;
  outDir: string;
  json: boolean;
}
