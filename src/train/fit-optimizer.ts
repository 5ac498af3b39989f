// Data-parallel Lion as a drop-in optimizer for model.compile / model.fit / model.fitDataset (a deferred update).
//
// Why deferred: tfjs calls Optimizer.applyGradients synchronously inside fit's training function, so it cannot
// await the network. fit does await every callback's async onBatchEnd before it starts the next batch
// (tfjs-layers 4.x, both fit and fitDataset). So the step is split in two halves that MUST be used together:
//   1. applyGradients (sync, inside fit): copies this batch's gradients into the flat gradient buffer;
//   2. callback.onBatchEnd (async, awaited by fit): strategy.step(params, grads) communicates and updates the
//      flat parameters, which are then written into the model's variables.
// The next forward pass therefore sees the synchronised update, exactly as in the custom loop (trainer.ts); the
// parameters after every batch equal the custom loop's (fit-optimizer.test.ts).
// Caveat: fit (not fitDataset) computes validation metrics for an epoch's last batch BEFORE onBatchEnd, i.e.
// without that batch's update; evaluate after fit returns for final numbers.

import type { ProcessGroup } from '../comm/process-group.js';
import { LionCubError } from '../errors.js';
import type { CreateLionOptions } from '../optim/lion.js';
import type { SyncStepStats } from '../sync/strategy.js';
import { fromLayersModel } from '../tfjs/model.js';
import { tf, type LayersModel, type Scalar, type Tensor, type Variable } from '../tfjs/tf.js';
import { FIT_OPTIMIZER_CLASS_NAME, momentumTensors, releaseSavedStateOnRecompile, restoreMomentumTensors, type NamedTensor } from './fit-weights.js';
import { SyncedParams } from './synced-params.js';

type NamedTensorMap = Record<string, Tensor>;
type ApplyGradientsArgument = Parameters<InstanceType<typeof tf.Optimizer>['applyGradients']>[0];

export interface FitOptimizerOptions {
  /** The compiled (or about to be compiled) model; its trainable weights fix the flat layout. */
  model: LayersModel;
  group: ProcessGroup;
  /** Strategy spec, e.g. `lion` or `cub-pbit`. */
  sync: string;
  /** Momentum policy; default `none`. */
  momentumSync?: string;
  /** Job seed, the same on every rank. Default 0. */
  seed?: number;
  /** Lion hyperparameters (lr or a schedule, betas, weight decay and mask, clipping). */
  lion: Omit<CreateLionOptions, 'stateMemory'>;
  /**
   * Copy rank 0's initial weights to every rank before training (models built with tfjs's random
   * initialisers differ between processes). Default true.
   */
  broadcastInitialWeights?: boolean;
}

/** What each synchronised batch reports to `onStep` listeners. */
export interface FitStepInfo {
  /** Optimizer steps completed, counting this one. */
  step: number;
  /** The batch loss fit reported for this rank, when it reported one. */
  loss: number | null;
  /** Forward and backward pass of this rank's batch: from fit's onBatchBegin to applyGradients. */
  computeMs: number;
  /** The strategy step (communication and update) plus writing the parameters back into the model. */
  syncMs: number;
  /** applyGradients (copying the gradient out of tfjs) plus the strategy step and the write-back. */
  stepMs: number;
  sync: SyncStepStats;
}

/** What getConfig records about the optimizer a model was saved with (model.json's training config). */
export interface FitOptimizerConfig {
  [key: string]: string | number;
  sync: string;
  momentumSync: string;
  seed: number;
  numParams: number;
  worldSize: number;
  /** The rank whose momentum getWeights returned. */
  rank: number;
}

/**
 * The optimizer half: pass it to model.compile. Always pair it with `callback` in fit's callbacks
 * (first in the list); see the file header. Mis-pairing is detected: a second applyGradients before the
 * callback ran throws `fit_callback_missing`, a callback with no gradients pending throws `fit_optimizer_missing`.
 */
export class DistributedLionOptimizer extends tf.Optimizer {
  static readonly className = FIT_OPTIMIZER_CLASS_NAME;
  readonly synced: SyncedParams;
  /** The callback half: an instance of tf.CustomCallback to put in fit's / fitDataset's callbacks. */
  readonly callback: InstanceType<typeof tf.CustomCallback>;
  readonly group: ProcessGroup;
  private readonly savedConfig: FitOptimizerConfig;
  private pending = false;
  private batchBeganMs: number | null = null;
  private pendingSinceMs = 0;
  private readonly listeners: Array<(info: FitStepInfo) => unknown> = [];
  /** The tensors the last getWeights returned (owned here, freed by the next getWeights or dispose). */
  private reportedWeights: NamedTensor[] = [];

  /** Use createFitOptimizer (which also broadcasts the initial weights). */
  constructor(options: FitOptimizerOptions) {
    super();
    const { variables } = fromLayersModel(options.model);
    releaseSavedStateOnRecompile(options.model);
    this.synced = new SyncedParams({
      variables, group: options.group, sync: options.sync, momentumSync: options.momentumSync, seed: options.seed ?? 0, lion: options.lion,
    });
    this.group = options.group;
    this.savedConfig = {
      sync: this.synced.strategy.name, momentumSync: options.momentumSync ?? 'none', seed: options.seed ?? 0,
      numParams: this.synced.numParams, worldSize: options.group.worldSize, rank: options.group.rank,
    };
    this.callback = new tf.CustomCallback({
      onBatchBegin: () => { this.batchBeganMs = performance.now(); },
      onBatchEnd: async (_batch, logs) => { await this.completeStep(typeof logs?.loss === 'number' ? logs.loss : null); },
      onTrainEnd: async () => {
        if (this.pending) throw new LionCubError('fit_callback_missing', 'training ended with an update still pending: pass optimizer.callback to fit');
      },
    }, 'never');
  }

  /**
   * The gradients of `f` (what minimize, and so model.fit, asks for), written by the backward pass into the flat
   * gradient buffer where it can, so applyGradients has little or nothing to copy.
   */
  override computeGradients(f: () => Scalar, varList?: Variable[]): { value: Scalar; grads: NamedTensorMap } {
    return this.synced.computeGradientsInto(f, varList);
  }

  /** Copies the gradients into the flat buffer; the update itself runs in `callback.onBatchEnd`. */
  override applyGradients(variableGradients: ApplyGradientsArgument): void {
    if (this.pending) {
      throw new LionCubError('fit_callback_missing', 'applyGradients was called again before the previous batch was synchronised: pass optimizer.callback in the callbacks of fit/fitDataset (first in the list)');
    }
    this.pendingSinceMs = performance.now();
    const named = Array.isArray(variableGradients)
      ? variableGradients.map(({ name, tensor }) => ({ name, tensor }))
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    this.synced.loadGradients(named);
    this.pending = true;
  }

  /**
   * Calls `listener` after every synchronised batch; a promise it returns is awaited before fit starts the next
   * batch (e.g. saveFitState every k steps, which every rank must do together). Returns a function that removes it.
   */
  onStep(listener: (info: FitStepInfo) => unknown): () => void {
    this.listeners.push(listener);
    return () => { this.listeners.splice(this.listeners.indexOf(listener), 1); };
  }

  /** Strategy, momentum policy, seed, size and the rank whose momentum getWeights returns (for model.json). */
  override getConfig(): FitOptimizerConfig {
    return { ...this.savedConfig };
  }

  /**
   * Lion's state as tfjs optimizers report it, for model.save(…, { includeOptimizer: true }): `iter` (the step)
   * then one `<variable>/m` momentum tensor per trainable variable. Only THIS rank's momentum: under compressed
   * strategies every rank's momentum differs, and a model file holds one. saveFitState keeps every rank's.
   * Like tfjs optimizers' weights, the tensors belong to the optimizer: they stay valid until the next
   * getWeights or dispose, which free them (model.save does not dispose what it is given).
   */
  override async getWeights(): Promise<NamedTensor[]> {
    this.releaseReportedWeights();
    this.reportedWeights = momentumTensors(this.synced);
    return [...this.reportedWeights];
  }

  /**
   * Restores what getWeights returned (e.g. `await optimizer.setWeights(await loaded.optimizer.getWeights())`
   * after tf.loadLayersModel): step and momentum, with the parameters taken from the model's current weights.
   * Every rank gets the saved rank's momentum, so a compressed strategy continues close to, not exactly as,
   * the original run; restoreFitState resumes exactly. Throws InvalidArgumentError for a missing or misshapen entry.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    restoreMomentumTensors(this.synced, weightValues);
  }

  override dispose(): void {
    this.releaseReportedWeights();
    this.synced.dispose();
    super.dispose();
  }

  private releaseReportedWeights(): void {
    tf.dispose(this.reportedWeights.map((w) => w.tensor));
    this.reportedWeights = [];
  }

  private async completeStep(loss: number | null): Promise<void> {
    if (!this.pending) {
      throw new LionCubError('fit_optimizer_missing', 'the DistributedLionOptimizer callback ran but no gradients were pending: compile the model with this optimizer');
    }
    this.pending = false;
    const syncStart = performance.now();
    const sync = await this.synced.syncStep();
    const end = performance.now();
    const computeMs = this.batchBeganMs === null ? 0 : this.pendingSinceMs - this.batchBeganMs;
    this.batchBeganMs = null;
    const info: FitStepInfo = { step: this.synced.step, loss, computeMs, syncMs: end - syncStart, stepMs: end - this.pendingSinceMs, sync };
    for (const l of [...this.listeners]) await l(info);
  }
}

/**
 * Builds the optimizer for `options.model` and, unless told otherwise, makes every rank start from rank 0's
 * weights. Usage: `const opt = await createFitOptimizer(...); model.compile({ optimizer: opt, loss });
 * await model.fit(x, y, { callbacks: [opt.callback], shuffle: false, ... })`. Each rank passes its own
 * shard of the data. Rejects with a CommError when a peer fails during the broadcast.
 */
export async function createFitOptimizer(options: FitOptimizerOptions): Promise<DistributedLionOptimizer> {
  const optimizer = new DistributedLionOptimizer(options);
  if (options.broadcastInitialWeights !== false && options.group.worldSize > 1) {
    try {
      // Broadcast from an ordinary copy: a kernel-memory view could be detached by a grow during the await.
      const initial = optimizer.synced.params.slice();
      await options.group.broadcast(initial, 0);
      optimizer.synced.params.set(initial);
      optimizer.synced.flat.write(optimizer.synced.params);
    } catch (error) {
      optimizer.dispose();
      throw error;
    }
  }
  return optimizer;
}
