// Workloads by name, for the CLI and the training loop.

import type { Workload } from './workload.js';
import { mnistMlp } from './mnist-mlp.js';
import { charGpt } from './char-gpt.js';
import { synthetic } from './synthetic.js';
import { InvalidArgumentError } from '../errors.js';

const WORKLOADS: ReadonlyMap<string, Workload<object>> = new Map<string, Workload<object>>([
  [mnistMlp.name, mnistMlp as Workload<object>],
  [charGpt.name, charGpt as Workload<object>],
  [synthetic.name, synthetic as Workload<object>],
]);

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
