// Workloads by name, for the CLI and the training loop.

import type { Workload } from './workload.js';
import { mnistMlp } from './mnist-mlp.js';
import { charGpt } from './char-gpt.js';
import { synthetic } from './synthetic.js';
import { InvalidArgumentError } from '../errors.js';

const WORKLOADS = new Map<string, Workload<object>>([
  [mnistMlp.name, mnistMlp as Workload<object>],
  [charGpt.name, charGpt as Workload<object>],
  [synthetic.name, synthetic as Workload<object>],
]);

/**
 * Makes a workload object known by its name in this process, so resolveTrainConfig, Trainer and
 * runTrainingJob accept it like a built-in. Worker processes started by `lion-cub train` do not share this
 * registry: give them a workload module (`--workload ./my-workload.mjs`). Throws InvalidArgumentError for a
 * name that is taken or not plain (letters, digits, "_" and "-"; anything else could read as a module path).
 */
export function registerWorkload(workload: Workload<object>): void {
  if (typeof workload?.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(workload.name)) {
    throw new InvalidArgumentError('workload name', workload?.name, 'letters, digits, "_" or "-"');
  }
  if (WORKLOADS.has(workload.name)) throw new InvalidArgumentError('workload name', workload.name, 'a name not registered yet');
  WORKLOADS.set(workload.name, workload);
}

/** Names accepted by getWorkload. */
export function workloadNames(): string[] {
  return [...WORKLOADS.keys()];
}

/** The workload called `name`; throws InvalidArgumentError listing the known names otherwise. */
export function getWorkload(name: string): Workload<object> {
  const w = WORKLOADS.get(name);
  if (!w) throw new InvalidArgumentError('workload', name, `one of ${workloadNames().join(', ')}`);
  return w;
}
