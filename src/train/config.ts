// The training configuration: every knob of a run, its default, and its validation.

import { InvalidArgumentError, MAX_TIMER_MS } from '../errors.js';
import { parseMomentumPolicy } from '../sync/momentum-policy.js';
import { validateStrategySpec } from '../sync/registry.js';
import { isWorkloadModulePath, workloadModuleRef } from '../workloads/module.js';
import { workloadNames } from '../workloads/registry.js';

export const LR_SCHEDULES = ['constant', 'cosine'] as const;
export type LrScheduleName = (typeof LR_SCHEDULES)[number];
export const TRAIN_BACKENDS = ['wasm', 'cpu'] as const;
export type TrainBackendName = (typeof TRAIN_BACKENDS)[number];

/** A fully resolved run. JSON-serialisable: it is what config.json holds and what workers receive. */
export interface TrainConfig {
  /** Built-in workload name (mnist-mlp, char-gpt, synthetic) or the path of a workload module (made absolute). */
  workload: string;
  /** sha256 of the workload module's file (filled in when resolving; checked by every rank); null for built-ins. */
  workloadSha256: string | null;
  /** Options of the workload (e.g. { hiddenUnits: [512] } or { numParams: 4096 }); `seed` is overridden by `seed`. */
  workloadOptions: Record<string, unknown>;
  /** Sync strategy spec, e.g. `lion` or `cub-pbit:bits=4`. */
  sync: string;
  /** Momentum synchronisation policy (none, every:K, schedule:k, layers:GLOB, adaptive:T, optional @bf16). */
  momentumSync: string;
  /** Run length in optimizer steps; exactly one of steps and epochs is set. */
  steps: number | null;
  /** Run length in passes over the training set (steps = epochs · ⌊examples / batchSize⌋). */
  epochs: number | null;
  /** Global batch B: examples per step summed over all ranks (each rank takes B/N of it). */
  batchSize: number;
  /** Peak learning rate η. */
  lr: number;
  /** constant (after warm-up) or cosine decay to minLr at the last step. */
  lrSchedule: LrScheduleName;
  /** Linear warm-up steps from η/W to η (0: none). */
  warmupSteps: number;
  /** Final learning rate of the cosine schedule. */
  minLr: number;
  beta1: number;
  beta2: number;
  /** Decoupled weight decay λ. */
  weightDecay: number;
  /**
   * Names/globs of parameter tensors that get NO weight decay. null (default): every tensor of rank < 2
   * (biases, norm gains) is excluded, matrices are decayed.
   */
  weightDecayExclude: string[] | null;
  /** Clip the gradient to this global L2 norm; null: no clipping. */
  maxGradNorm: number | null;
  /** Seeds weights, data order and strategy randomness: same seed, same run. */
  seed: number;
  /** Evaluate on the full test set every K steps (0: only at the end; the end is always evaluated). */
  evalEvery: number;
  /** Examples per forward pass during evaluation: the longest stretch an evaluation keeps the worker from its heartbeats. */
  evalBatchSize: number;
  /** Checkpoint every K steps (0: only at the end); needs an output directory. */
  checkpointEvery: number;
  /** Also compute the accuracy of each training batch (an extra forward pass per step). */
  batchAccuracy: boolean;
  /** TF.js backend. */
  backend: TrainBackendName;
  /** Time limit of one collective, in milliseconds. */
  timeoutMs: number;
  /**
   * Steps skipped in a row (a NaN or ±∞ gradient on some rank) after which the run ends with
   * NonFiniteGradientError; isolated skips are counted and training goes on.
   */
  maxConsecutiveSkips: number;
}

/** Strategy used when none is given: Lion Cub's p-bit vote (4 bits, L1 scaling). */
export function defaultSync(): string {
  return 'cub-pbit';
}

/**
 * Defaults of the main job (mnist-mlp, 300 steps): tuned so the test accuracy passes 0.90 at 300 steps with
 * 4 workers (src/train/README.md has the measurement). `sync` is filled in by defaultSync() at resolve time.
 */
export const TRAIN_DEFAULTS: Readonly<Omit<TrainConfig, 'sync'>> = Object.freeze({
  workload: 'mnist-mlp',
  workloadSha256: null,
  workloadOptions: {},
  momentumSync: 'none',
  steps: null,
  epochs: null,
  batchSize: 128,
  lr: 1e-4,
  lrSchedule: 'constant',
  warmupSteps: 0,
  minLr: 0,
  beta1: 0.9,
  beta2: 0.99,
  weightDecay: 0,
  weightDecayExclude: null,
  maxGradNorm: null,
  seed: 0,
  evalEvery: 100,
  evalBatchSize: 64,
  checkpointEvery: 0,
  batchAccuracy: false,
  backend: 'wasm',
  timeoutMs: 120_000,
  maxConsecutiveSkips: 10,
});

/** Steps of a run when neither steps nor epochs is given. */
export const DEFAULT_STEPS = 300;

const KEYS = new Set<string>([...Object.keys(TRAIN_DEFAULTS), 'sync']);

/** Names a config key in error messages (the CLI maps keys to its flags). */
export type FieldLabel = (key: keyof TrainConfig) => string;

/**
 * Fills in defaults and validates. Throws InvalidArgumentError naming the field (through `label`): an unknown
 * key, a workload or strategy that does not exist, a bad momentum policy, a number out of range, or both
 * steps and epochs. When neither is given, steps = DEFAULT_STEPS.
 */
export function resolveTrainConfig(input: Partial<TrainConfig> = {}, label: FieldLabel = (k) => k): TrainConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new InvalidArgumentError('config', input, 'an object of training options');
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) throw new InvalidArgumentError(`config.${key}`, (input as Record<string, unknown>)[key], `a known option: ${[...KEYS].sort().join(', ')}`);
  }
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<TrainConfig>;
  const c: TrainConfig = { ...TRAIN_DEFAULTS, sync: defaultSync(), ...defined };
  const fail = (key: keyof TrainConfig, expectation: string): never => { throw new InvalidArgumentError(label(key), c[key], expectation); };

  if (typeof c.workload !== 'string') fail('workload', `one of ${workloadNames().join(', ')} or the path of a workload module`);
  if (isWorkloadModulePath(c.workload)) {
    const ref = workloadModuleRef(c.workload);
    if (c.workloadSha256 !== null && c.workloadSha256 !== ref.sha256) {
      fail('workloadSha256', `the sha256 of ${ref.path}, ${ref.sha256} (the module changed since this configuration was written)`);
    }
    c.workload = ref.path;
    c.workloadSha256 = ref.sha256;
  } else {
    if (!workloadNames().includes(c.workload)) fail('workload', `one of ${workloadNames().join(', ')}, or the path of a workload module (./my-workload.js)`);
    if (c.workloadSha256 !== null) fail('workloadSha256', `null: ${c.workload} is a built-in workload, not a module`);
  }
  if (c.workloadOptions === null || typeof c.workloadOptions !== 'object' || Array.isArray(c.workloadOptions)) fail('workloadOptions', 'an object of workload options');
  if (typeof c.sync !== 'string') fail('sync', 'a strategy spec such as lion or cub-pbit:bits=4');
  validateStrategySpec(c.sync);
  if (typeof c.momentumSync !== 'string') fail('momentumSync', 'a momentum policy such as none or every:10');
  parseMomentumPolicy(c.momentumSync);

  if (c.steps !== null && c.epochs !== null) fail('epochs', `no epochs when steps is set (steps = ${c.steps}); give one of them`);
  if (c.steps !== null && !isInt(c.steps, 1)) fail('steps', 'a positive integer');
  if (c.epochs !== null && !isInt(c.epochs, 1)) fail('epochs', 'a positive integer');
  if (c.steps === null && c.epochs === null) c.steps = DEFAULT_STEPS;
  if (!isInt(c.batchSize, 1)) fail('batchSize', 'a positive integer (the global batch over all workers)');
  if (!isRate(c.lr)) fail('lr', 'a finite number ≥ 0');
  if (!(LR_SCHEDULES as readonly string[]).includes(c.lrSchedule)) fail('lrSchedule', `one of ${LR_SCHEDULES.join(', ')}`);
  if (!isInt(c.warmupSteps, 0)) fail('warmupSteps', 'an integer ≥ 0');
  if (!isRate(c.minLr) || c.minLr > c.lr) fail('minLr', `a number in [0, lr] (lr = ${c.lr})`);
  if (!isBeta(c.beta1)) fail('beta1', 'a number in [0, 1)');
  if (!isBeta(c.beta2)) fail('beta2', 'a number in [0, 1)');
  if (!isRate(c.weightDecay)) fail('weightDecay', 'a finite number ≥ 0');
  if (c.weightDecayExclude !== null && (!Array.isArray(c.weightDecayExclude) || c.weightDecayExclude.some((g) => typeof g !== 'string' || g.length === 0))) {
    fail('weightDecayExclude', 'a list of parameter names or globs, e.g. *bias,*norm*');
  }
  if (c.maxGradNorm !== null && !(typeof c.maxGradNorm === 'number' && Number.isFinite(c.maxGradNorm) && c.maxGradNorm > 0)) fail('maxGradNorm', 'a finite number > 0');
  if (!Number.isSafeInteger(c.seed)) fail('seed', 'an integer');
  if (!isInt(c.evalEvery, 0)) fail('evalEvery', 'an integer ≥ 0 (0: evaluate only at the end)');
  if (!isInt(c.evalBatchSize, 1)) fail('evalBatchSize', 'a positive integer');
  if (!isInt(c.checkpointEvery, 0)) fail('checkpointEvery', 'an integer ≥ 0 (0: only at the end)');
  if (typeof c.batchAccuracy !== 'boolean') fail('batchAccuracy', 'true or false');
  if (!(TRAIN_BACKENDS as readonly string[]).includes(c.backend)) fail('backend', `one of ${TRAIN_BACKENDS.join(', ')}`);
  if (!isInt(c.timeoutMs, 1)) fail('timeoutMs', 'a positive integer number of milliseconds');
  c.timeoutMs = Math.min(c.timeoutMs, MAX_TIMER_MS); // a longer timer would fire at once
  if (!isInt(c.maxConsecutiveSkips, 1)) fail('maxConsecutiveSkips', 'a positive integer (skipped steps in a row before the run ends)');
  return c;
}

/**
 * Total optimizer steps of the run for a training set of `stepsPerEpoch` global batches.
 * Throws InvalidArgumentError when the run uses epochs and an epoch holds no full batch.
 */
export function totalStepsOf(config: Pick<TrainConfig, 'steps' | 'epochs'>, stepsPerEpoch: number): number {
  if (config.steps !== null) return config.steps;
  if (stepsPerEpoch < 1) throw new InvalidArgumentError('epochs', config.epochs, 'a batch size no larger than the training set');
  return (config.epochs ?? 0) * stepsPerEpoch;
}

function isInt(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function isRate(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isBeta(value: unknown): boolean {
  return typeof value === 'number' && value >= 0 && value < 1;
}
