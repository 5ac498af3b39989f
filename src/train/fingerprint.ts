// What defines a run's trajectory (so a checkpoint can only resume the same run) and how two of them differ.

import { createHash } from 'node:crypto';
import type { TrainConfig } from './config.js';

/**
 * The fields that decide which parameters a run produces, step by step. Two runs with equal trajectories
 * produce bit-identical parameters at every step (on the same backend). Left out on purpose: run length
 * (a resumed run may go further), except under the cosine schedule whose rates depend on it; evaluation,
 * checkpoint and logging cadence; timeouts.
 */
export type Trajectory = Readonly<Record<string, string | number | boolean | null>>;

export interface TrajectoryInputs {
  config: TrainConfig;
  worldSize: number;
  /** Total steps of this run (only part of the trajectory under the cosine schedule). */
  totalSteps: number;
  numParams: number;
  /** The strategy's canonical name (SyncStrategy.name). */
  strategy: string;
}

export function trajectoryOf({ config: c, worldSize, totalSteps, numParams, strategy }: TrajectoryInputs): Trajectory {
  return {
    workload: c.workload,
    // Only modules have a hash; leaving the field out for built-ins keeps their older checkpoints resumable.
    ...(c.workloadSha256 === null ? {} : { workloadSha256: c.workloadSha256 }),
    workloadOptions: canonicalJson(c.workloadOptions),
    numParams,
    worldSize,
    sync: strategy,
    momentumSync: c.momentumSync,
    batchSize: c.batchSize,
    lr: c.lr,
    lrSchedule: c.lrSchedule,
    warmupSteps: c.warmupSteps,
    minLr: c.lrSchedule === 'cosine' ? c.minLr : null,
    scheduleSteps: c.lrSchedule === 'cosine' ? totalSteps : null,
    beta1: c.beta1,
    beta2: c.beta2,
    weightDecay: c.weightDecay,
    weightDecayExclude: c.weightDecayExclude === null ? null : c.weightDecayExclude.join(','),
    maxGradNorm: c.maxGradNorm,
    seed: c.seed,
    backend: c.backend,
  };
}

/** sha256 (hex) of the trajectory's canonical JSON: ranks compare it at rendezvous. */
export function trajectoryHash(t: Trajectory): string {
  return createHash('sha256').update(canonicalJson(t)).digest('hex');
}

/** One differing field: what the other side (e.g. a checkpoint) has, and what this run has. */
export interface TrajectoryDifference {
  field: string;
  theirs: unknown;
  ours: unknown;
}

/** Fields whose values differ, in field-name order (a field missing on one side counts as different). */
export function diffTrajectories(theirs: Trajectory, ours: Trajectory): TrajectoryDifference[] {
  const fields = [...new Set([...Object.keys(theirs), ...Object.keys(ours)])].sort();
  return fields.filter((f) => theirs[f] !== ours[f]).map((field) => ({ field, theirs: theirs[field], ours: ours[field] }));
}

/** "sync: checkpoint has "lion", this run "cub-pbit"; worldSize: checkpoint has 2, this run 4". */
export function describeDifferences(differences: readonly TrajectoryDifference[], theirLabel: string): string {
  return differences.map((d) => `${d.field}: ${theirLabel} has ${JSON.stringify(d.theirs) ?? 'nothing'}, this run ${JSON.stringify(d.ours) ?? 'nothing'}`).join('; ');
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
