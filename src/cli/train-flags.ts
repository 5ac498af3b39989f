// Turns `lion-cub train` flags and an optional --config file into one resolved run, naming the flag or file key at fault.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { parseRate } from '../netem/rate.js';
import type { TransportSecurity } from '../comm/transport/security-mode.js';
import { transportSecurityFromFlag } from './transport-security-flag.js';
import { resolveTrainConfig, type TrainConfig } from '../train/config.js';
import { isWorkloadModulePath } from '../workloads/module.js';

/** Raw commander values: strings as typed, booleans for switches, undefined when absent. */
export interface TrainFlags {
  config?: string;
  workload?: string;
  workloadOptions?: string;
  nproc?: string;
  sync?: string;
  momentumSync?: string;
  steps?: string;
  epochs?: string;
  batch?: string;
  lr?: string;
  lrSchedule?: string;
  warmupSteps?: string;
  minLr?: string;
  beta1?: string;
  beta2?: string;
  wd?: string;
  wdExclude?: string;
  clip?: string;
  seed?: string;
  evalEvery?: string;
  evalBatch?: string;
  checkpointEvery?: string;
  batchAccuracy?: boolean;
  backend?: string;
  timeoutMs?: string;
  maxConsecutiveSkips?: string;
  resume?: boolean;
  netem?: string;
  transportSecurity?: string;
  out?: string;
  json?: boolean;
}

/** Everything a `train` invocation decided before any worker starts. */
export interface TrainInvocation {
  config: TrainConfig;
  /** Workers to start when not inside a job. */
  nproc: number;
  /** Whether --nproc (or the config file's nproc) was given, so a job of another size is a contradiction. */
  nprocGiven: boolean;
  outDir: string | null;
  resume: boolean;
  netem: string | null;
  /** What protects peer links (--transport-security, else LION_CUB_TRANSPORT_SECURITY, else encrypt). */
  transportSecurity: TransportSecurity;
  json: boolean;
}

export const DEFAULT_NPROC = 4;

type NumberKind = 'number' | 'integer';
type ConfigFlag = { key: keyof TrainConfig; flag: string; kind: NumberKind | 'string' | 'json' | 'list' | 'switch' };

/** Flags that set configuration keys, and how their text is read. */
export const CONFIG_FLAGS: readonly (ConfigFlag & { option: keyof TrainFlags })[] = [
  { option: 'workload', key: 'workload', flag: '--workload', kind: 'string' },
  { option: 'workloadOptions', key: 'workloadOptions', flag: '--workload-options', kind: 'json' },
  { option: 'sync', key: 'sync', flag: '--sync', kind: 'string' },
  { option: 'momentumSync', key: 'momentumSync', flag: '--momentum-sync', kind: 'string' },
  { option: 'steps', key: 'steps', flag: '--steps', kind: 'integer' },
  { option: 'epochs', key: 'epochs', flag: '--epochs', kind: 'integer' },
  { option: 'batch', key: 'batchSize', flag: '--batch', kind: 'integer' },
  { option: 'lr', key: 'lr', flag: '--lr', kind: 'number' },
  { option: 'lrSchedule', key: 'lrSchedule', flag: '--lr-schedule', kind: 'string' },
  { option: 'warmupSteps', key: 'warmupSteps', flag: '--warmup-steps', kind: 'integer' },
  { option: 'minLr', key: 'minLr', flag: '--min-lr', kind: 'number' },
  { option: 'beta1', key: 'beta1', flag: '--beta1', kind: 'number' },
  { option: 'beta2', key: 'beta2', flag: '--beta2', kind: 'number' },
  { option: 'wd', key: 'weightDecay', flag: '--wd', kind: 'number' },
  { option: 'wdExclude', key: 'weightDecayExclude', flag: '--wd-exclude', kind: 'list' },
  { option: 'clip', key: 'maxGradNorm', flag: '--clip', kind: 'number' },
  { option: 'seed', key: 'seed', flag: '--seed', kind: 'integer' },
  { option: 'evalEvery', key: 'evalEvery', flag: '--eval-every', kind: 'integer' },
  { option: 'evalBatch', key: 'evalBatchSize', flag: '--eval-batch', kind: 'integer' },
  { option: 'checkpointEvery', key: 'checkpointEvery', flag: '--checkpoint-every', kind: 'integer' },
  { option: 'batchAccuracy', key: 'batchAccuracy', flag: '--batch-accuracy', kind: 'switch' },
  { option: 'backend', key: 'backend', flag: '--backend', kind: 'string' },
  { option: 'timeoutMs', key: 'timeoutMs', flag: '--timeout-ms', kind: 'integer' },
  { option: 'maxConsecutiveSkips', key: 'maxConsecutiveSkips', flag: '--max-consecutive-skips', kind: 'integer' },
];

/** Keys a --config file may hold besides the configuration keys. */
const RUN_KEYS = ['nproc', 'out', 'netem'] as const;

/**
 * Resolves flags over the config file over the defaults. Throws InvalidArgumentError naming the flag (or
 * `<file>: key`) for anything malformed: a bad number, unknown file key, unknown workload/strategy, etc.
 */
export function parseTrainInvocation(flags: TrainFlags, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): TrainInvocation {
  const file = flags.config === undefined ? {} : readConfigFile(flags.config, readFile);
  const fromFlags: Partial<TrainConfig> = {};
  const flagOf = new Map<keyof TrainConfig, string>();
  for (const spec of CONFIG_FLAGS) {
    const raw = flags[spec.option];
    if (raw === undefined) continue;
    (fromFlags as Record<string, unknown>)[spec.key] = readFlag(spec, raw as string | boolean);
    flagOf.set(spec.key, spec.flag);
  }
  const fileConfig: Record<string, unknown> = { ...file };
  for (const key of RUN_KEYS) delete fileConfig[key];
  // A workload module named in a config file is found relative to that file, as one would read it.
  if (typeof fileConfig.workload === 'string' && isWorkloadModulePath(fileConfig.workload)) fileConfig.workload = resolve(dirname(flags.config!), fileConfig.workload);
  // The run length given on the command line replaces the file's, whichever unit either uses.
  if (fromFlags.steps !== undefined || fromFlags.epochs !== undefined) {
    delete fileConfig.steps;
    delete fileConfig.epochs;
  }
  const label = (key: keyof TrainConfig): string => flagOf.get(key) ?? (flags.config !== undefined && key in fileConfig ? `${flags.config}: ${key}` : key);
  const config = resolveTrainConfig({ ...(fileConfig as Partial<TrainConfig>), ...fromFlags }, label);

  const nprocText = flags.nproc ?? (file.nproc === undefined ? undefined : String(file.nproc));
  const nproc = nprocText === undefined ? DEFAULT_NPROC : integer(flags.nproc !== undefined ? '--nproc' : `${flags.config}: nproc`, nprocText);
  if (nproc < 1) throw new InvalidArgumentError('--nproc', nprocText, 'a positive number of workers');
  const out = flags.out ?? (typeof file.out === 'string' ? file.out : undefined);
  const netem = flags.netem ?? (typeof file.netem === 'string' ? file.netem : undefined);
  if (netem !== undefined) parseRate(netem, flags.netem !== undefined ? '--netem' : `${flags.config}: netem`);
  const resume = flags.resume === true;
  if (resume && out === undefined) throw new InvalidArgumentError('--resume', true, 'an --out directory holding the run to resume');
  if (config.checkpointEvery > 0 && out === undefined) throw new InvalidArgumentError(label('checkpointEvery'), config.checkpointEvery, 'an --out directory to write checkpoints to');
  if (config.batchSize < nproc) throw new InvalidArgumentError(label('batchSize'), config.batchSize, `at least one example per worker (--nproc ${nproc})`);
  return { config, nproc, nprocGiven: nprocText !== undefined, outDir: out === undefined ? null : resolve(out), resume, netem: netem ?? null,
    transportSecurity: transportSecurityFromFlag(flags.transportSecurity), json: flags.json === true };
}

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new InvalidArgumentError('--config', path, `a readable JSON file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError('--config', path, `valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('--config', path, 'a JSON object of training options');
  const known = new Set<string>([...CONFIG_FLAGS.map((f) => f.key), 'sync', 'workloadSha256', ...RUN_KEYS]);
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new InvalidArgumentError(`${path}: ${key}`, (value as Record<string, unknown>)[key], `a known key: ${[...known].sort().join(', ')}`);
  }
  return value as Record<string, unknown>;
}

function readFlag(spec: ConfigFlag, raw: string | boolean): unknown {
  switch (spec.kind) {
    case 'switch': return raw === true;
    case 'string': return raw;
    case 'number': return number(spec.flag, raw as string);
    case 'integer': return integer(spec.flag, raw as string);
    case 'list': return (raw as string).split(',').map((s) => s.trim()).filter(Boolean);
    case 'json': {
      try {
        return JSON.parse(raw as string);
      } catch (error) {
        throw new InvalidArgumentError(spec.flag, raw, `a JSON object, e.g. '{"hiddenUnits":[512]}' (${(error as Error).message})`);
      }
    }
  }
}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(flag, text, 'a number, e.g. 3e-4');
  return value;
}

function integer(flag: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(flag, text, 'an integer');
  return Number(text);
}
