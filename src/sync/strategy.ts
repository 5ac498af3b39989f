// The contract between the training loop and a sync strategy: what one distributed Lion step is given and reports.

import type { ProcessGroup } from '../comm/process-group.js';
import type { Lion } from '../optim/lion.js';
import type { MomentumPolicy } from './momentum-policy.js';
import type { ParsedSpec } from './spec.js';
import type { StepWork } from './step-work.js';

/** Time and traffic of one step, split the way `lion-cub bench train` reports it (encode, communication, decode). */
export interface SyncStepStats {
  /** Step index the learning rate was read at. */
  step: number;
  lr: number;
  /** Building what is sent: clipping, the pre-sign update, packing or quantising. */
  encodeMs: number;
  /** Waiting for collectives (the update's and the momentum's). */
  commMs: number;
  /** Applying the combined direction to parameters and momentum. */
  decodeMs: number;
  /** Bytes this rank wrote to / read from its peers during the step, frame headers included. */
  bytesSent: number;
  bytesReceived: number;
  /** Momentum values averaged across ranks in this step (0 when no momentum sync ran). */
  momentumSyncedValues: number;
  /**
   * Under `--momentum-sync adaptive:T`, at the steps it checks: the largest per-layer divergence of the ranks'
   * momenta (0 when they agree, about 1 when uncorrelated; layers above T were synced). Null at every other step.
   */
  momentumDivergence: number | null;
  /**
   * True when the step was skipped because the gradient of some rank (of this rank under `noop`) held a NaN or
   * ±∞: parameters and momentum are untouched and the step counter advanced (docs/strategies.md).
   */
  skipped: boolean;
}

/**
 * One way of turning every rank's gradient into the same parameter update. A strategy owns no sockets and
 * prints nothing; it uses the group's collectives and the Lion optimizer's state.
 */
export interface SyncStrategy {
  /** The canonical spec, e.g. `cub-pbit:bits=4,quant=l1`. */
  readonly name: string;
  /**
   * One optimizer step. `params` and `grads` are flat buffers over the optimizer's layout (kernel memory for the
   * fast path); `grads` is this rank's local gradient and may be overwritten. Every rank must call step the same
   * number of times in the same order. Rejects with a CommError when a peer fails.
   */
  step(params: Float32Array, grads: Float32Array): Promise<SyncStepStats>;
  /** Releases buffers held in kernel memory. */
  dispose(): void;
}

/** What a strategy is built with: the group, the optimizer, the momentum policy and the job seed. */
export interface StrategyContext {
  group: ProcessGroup;
  /** The optimizer: hyperparameters, schedule, mask, momentum and step counter. */
  lion: Lion;
  /** Applies to the compressed strategies; lion, lion-bf16 and noop ignore it (their momenta need no sync: the
   * first two keep them identical, noop is a compute-only bound). */
  momentumPolicy: MomentumPolicy;
  /** Job seed: every rank passes the same one; strategies derive per-rank streams from it. */
  seed: number;
}

/**
 * Everything lion-cub knows about a strategy, registered once with registerStrategy: how to build it, which
 * parameters its spec takes, the largest group it serves, and what one step runs (for the cost model and the
 * predicted bytes per step). `create`, `stepWork` and `maxWorldSize` receive the spec with its parameters
 * already checked against `params`.
 */
export interface StrategyInfo {
  name: string;
  /** One line for --help and docs. */
  summary: string;
  /** Parameters accepted after the colon. */
  params: readonly string[];
  create(spec: ParsedSpec, ctx: StrategyContext): SyncStrategy;
  /** Largest world size its collectives support, with the reason; omitted: no limit. */
  maxWorldSize?: { ranks: number; reason: string };
  /**
   * What one step on `worldSize` ≥ 2 ranks runs for `numParams` parameters. Omitted: the cost model cannot price
   * the strategy (`lion-cub model` says so) and no byte prediction exists. Throws InvalidArgumentError for a
   * parameter value the cost model has no kernel for.
   */
  stepWork?(spec: ParsedSpec, numParams: number, worldSize: number): StepWork;
  /** Specs `lion-cub model` prices by default (e.g. each bit width); default: just the name. Empty: none. */
  modelVariants?: readonly string[];
}
