// `lion-cub bench train` flags turned into a bench plan, each run's configuration resolved exactly as `lion-cub train` does.

import { InvalidArgumentError } from '../errors.js';
import { parseRate } from '../netem/rate.js';
import type { TrainConfig } from '../train/config.js';
import { BASELINES, UNSHAPED, type BenchTrainPlan } from '../bench/train/plan.js';
import { parseHeartbeatTimeout } from './resilience-flags.js';
import { parseTrainInvocation, type TrainFlags } from './train-flags.js';
import { transportSecurityFromFlag } from './transport-security-flag.js';

/** Raw commander values of `bench train` (strings as typed). `baselines` is false with --no-baselines. */
export interface BenchTrainFlags {
  workload?: string;
  workloadOptions?: string;
  nproc: string;
  sync: string;
  netem: string;
  steps: string;
  repeat: string;
  evalEvery?: string;
  batch?: string;
  lr?: string;
  /** Momentum policy of every run (the compressed strategies use it; lion, lion-bf16 and noop ignore it). */
  momentumSync?: string;
  wd?: string;
  seed?: string;
  /** Comma list of seeds: every (strategy, rate) runs once per seed. Excludes `seed`. */
  seeds?: string;
  baselines?: boolean;
  out?: string;
  json?: boolean;
  cpuProf?: string;
  transportSecurity?: string;
  heartbeatTimeout?: string;
}

/**
 * Splits a --sync list on commas. Because one spec may itself hold commas (`cub-pbit:bits=4,quant=l1`), an item
 * of the form key=value with no `:` continues the previous spec instead of starting a new one.
 */
export function splitSyncList(text: string): string[] {
  const specs: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    if (item.includes('=') && !item.includes(':') && specs.length > 0) specs[specs.length - 1] += `,${item}`;
    else specs.push(item);
  }
  return specs;
}

/** Splits and checks --netem: each item is `none` or a tc rate (parseRate); duplicates are dropped. */
export function parseRateList(text: string): string[] {
  const rates = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
  if (rates.length === 0) throw new InvalidArgumentError('--netem', text, `a comma list of link rates, e.g. 100mbit,1gbit,${UNSHAPED}`);
  for (const rate of rates) if (rate !== UNSHAPED) parseRate(rate, '--netem');
  return rates;
}

/**
 * Splits and checks --seeds: integers (as --seed takes them), at least one, no duplicates (the comparison between
 * strategies is seed by seed, so each seed must name one run).
 */
export function parseSeedList(text: string): number[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  const expected = 'a comma list of distinct integer seeds, e.g. 1,2,3,4,5';
  if (items.length === 0) throw new InvalidArgumentError('--seeds', text, expected);
  const seeds = items.map((item) => (/^-?\d+$/.test(item) && Number.isSafeInteger(Number(item)) ? Number(item) : Number.NaN));
  if (seeds.some(Number.isNaN) || new Set(seeds).size !== seeds.length) throw new InvalidArgumentError('--seeds', text, expected);
  return seeds;
}

/**
 * Resolves the flags. Every strategy's configuration goes through the same resolution as `lion-cub train`, so an
 * unknown workload or strategy, a bad number or a batch smaller than --nproc is an InvalidArgumentError naming the flag.
 */
export function planBenchTrain(flags: BenchTrainFlags): BenchTrainPlan {
  const userSyncs = splitSyncList(flags.sync ?? '');
  const withBaselines = flags.baselines !== false;
  const syncs = [...new Set([...(withBaselines ? BASELINES : []), ...userSyncs])];
  if (syncs.length === 0) throw new InvalidArgumentError('--sync', flags.sync, 'at least one strategy (with --no-baselines the list must name them)');
  const rates = parseRateList(flags.netem);
  const repeat = positiveInteger('--repeat', flags.repeat);
  positiveInteger('--steps', flags.steps);
  const transportSecurity = transportSecurityFromFlag(flags.transportSecurity);
  if (flags.seeds !== undefined && flags.seed !== undefined) throw new InvalidArgumentError('--seeds', flags.seeds, 'either --seed or --seeds, not both');
  const seedList = flags.seeds === undefined ? undefined : parseSeedList(flags.seeds);
  const heartbeatTimeoutMs = parseHeartbeatTimeout(flags.heartbeatTimeout);
  if (flags.out === undefined || flags.out.trim() === '') throw new InvalidArgumentError('--out', flags.out, 'a directory for results.json and the report');
  const configs: TrainConfig[] = [];
  let nproc = 0;
  for (const sync of syncs) {
    const trainFlags: TrainFlags = {
      workload: flags.workload, workloadOptions: flags.workloadOptions, nproc: flags.nproc, sync, steps: flags.steps,
      evalEvery: flags.evalEvery, batch: flags.batch, lr: flags.lr, momentumSync: flags.momentumSync, wd: flags.wd, seed: seedList ? String(seedList[0]) : flags.seed,
    };
    const invocation = parseTrainInvocation(trainFlags, () => { throw new Error('no config file is read'); });
    configs.push(invocation.config);
    nproc = invocation.nproc;
  }
  if (rates.some((r) => r !== UNSHAPED) && nproc < 2) throw new InvalidArgumentError('--nproc', flags.nproc, 'at least 2 with a shaped --netem rate (the link is measured between two ranks)');
  const first = configs[0];
  const seeds = seedList ?? [first.seed];
  return { workload: first.workload, nproc, steps: first.steps ?? 0, seed: seeds[0], seeds, syncs, rates, repeat, configs, transportSecurity, heartbeatTimeoutMs, outDir: flags.out, json: flags.json === true };
}

function positiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(String(text).trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(flag, text, 'a positive integer');
  return Number(text);
}
