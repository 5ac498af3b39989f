// One model's parameters under data-parallel Lion: flat kernel-memory buffers, the optimizer, the sync strategy.
//
// Shared by the custom loop (trainer.ts) and the drop-in optimizer for model.fit (fit-optimizer.ts), so both
// take exactly the same step: gradient → flat buffer → strategy.step(params, grads) → write params to the model.

import type { ProcessGroup } from '../comm/process-group.js';
import { InvalidArgumentError } from '../errors.js';
import type { KernelRegion } from '../kernels/kernel-memory.js';
import { kernelMemory } from '../kernels/load.js';
import { createLion, type CreateLionOptions, type Lion } from '../optim/lion.js';
import { layoutFromShapes } from '../optim/param-layout.js';
import { parseMomentumPolicy } from '../sync/momentum-policy.js';
import { createStrategy } from '../sync/registry.js';
import type { SyncStepStats, SyncStrategy } from '../sync/strategy.js';
import { SkipGuard } from './skip-guard.js';
import { FlatParams } from '../tfjs/flat-params.js';
import type { NamedVariable } from '../tfjs/model.js';
import type { Scalar, Tensor, Variable } from '../tfjs/tf.js';

export interface SyncedParamsOptions {
  /** The model's trainable variables in a fixed order (the same on every rank). */
  variables: readonly NamedVariable[];
  group: ProcessGroup;
  /** Strategy spec for createStrategy, e.g. `lion` or `cub-pbit:bits=4`. */
  sync: string;
  /** Momentum policy text (parseMomentumPolicy); default `none`. */
  momentumSync?: string;
  /** Job seed, the same on every rank. */
  seed: number;
  /** Lion options; the momentum always lives in kernel memory. */
  lion: CreateLionOptions;
  /** Skipped steps in a row (non-finite gradients) that end the run with NonFiniteGradientError. Default 10. */
  maxConsecutiveSkips?: number;
}

/** State that a checkpoint restores. */
export interface ParamsSnapshot {
  params: Float32Array;
  momentum: Float32Array;
  /** Optimizer steps taken (Lion's step counter). */
  step: number;
}

/**
 * Owns the flat parameter and gradient buffers (in wasm kernel memory, so Lion's and the codecs' kernels run
 * in place), the Lion optimizer and the sync strategy for one model on one rank.
 *
 * Buffer ownership: `params`, `grads` and `momentum` return views that stay valid only until the next kernel
 * memory allocation (a grow detaches them): take them again after any await. On the wasm backend with kernel
 * memory on its heap (the default), the model's variables ARE `params` (FlatParams.bind): the update changes the
 * model in place. Otherwise they are written from `params` after every step and never read back. Either way
 * `params` is the truth between steps.
 */
export class SyncedParams {
  readonly flat: FlatParams;
  readonly lion: Lion;
  readonly strategy: SyncStrategy;
  private readonly paramsRegion: KernelRegion;
  private readonly gradsRegion: KernelRegion;
  private readonly segmentOfVariable: Map<string, number>;
  private readonly skips: SkipGuard;
  private disposed = false;

  /**
   * Builds optimizer and strategy, then allocates the two flat buffers (all allocations first, views after)
   * and copies the model's current values into `params`. Throws InvalidArgumentError for bad Lion options,
   * an unknown strategy or momentum policy.
   */
  constructor(options: SyncedParamsOptions) {
    this.flat = new FlatParams(options.variables);
    const layout = layoutFromShapes(this.flat.segments.map((s) => ({ name: s.name, shape: s.shape })));
    this.lion = createLion(layout, { ...options.lion, stateMemory: 'kernel' });
    try {
      this.strategy = createStrategy(options.sync, {
        group: options.group,
        lion: this.lion,
        momentumPolicy: parseMomentumPolicy(options.momentumSync ?? 'none'),
        seed: options.seed,
      });
    } catch (error) {
      this.lion.dispose();
      throw error;
    }
    this.paramsRegion = kernelMemory.allocF32(this.flat.numParams);
    this.gradsRegion = kernelMemory.allocF32(this.flat.numParams);
    this.flat.bind(this.paramsRegion.f32());
    this.segmentOfVariable = new Map(this.flat.variables.map((v, i) => [v.variable.name, i]));
    this.skips = new SkipGuard(options.maxConsecutiveSkips ?? 10);
  }

  get numParams(): number { return this.flat.numParams; }
  /** Live view of the flat parameters (see the class note on views). */
  get params(): Float32Array { return this.paramsRegion.f32(); }
  /** Live view of this rank's flat gradient. */
  get grads(): Float32Array { return this.gradsRegion.f32(); }
  /** Live view of this rank's momentum. */
  get momentum(): Float32Array { return this.lion.state.momentum; }
  /** Optimizer steps taken so far (skipped ones included). */
  get step(): number { return this.lion.state.step; }
  /** Steps skipped for non-finite gradients since this object was created. */
  get skippedSteps(): number { return this.skips.total; }

  /**
   * tf.variableGrads for an Optimizer.computeGradients: the backward pass writes the gradients into `grads`
   * where it can; pass them to loadGradients before the next pass. The caller owns the returned tensors.
   */
  computeGradientsInto(lossFn: () => Scalar, vars?: Variable[]): { value: Scalar; grads: Record<string, Tensor> } {
    return this.flat.variableGradsInto(lossFn, this.grads, vars);
  }

  /** Forward + backward of `lossFn` into `grads`; returns the loss. Leaves no tensors behind. */
  computeGradients(lossFn: () => Scalar): number {
    return this.flat.gradients(lossFn, () => this.grads).loss;
  }

  /**
   * Puts gradients given per tfjs variable name (what Optimizer.applyGradients receives) into `grads`, copying
   * only those the backward pass did not already write there (computeGradientsInto); variables without a
   * gradient get zeros. Throws InvalidArgumentError for a name that is not one of the
   * model's variables or a tensor of the wrong size.
   */
  loadGradients(named: ReadonlyArray<{ name: string; tensor: Tensor | undefined }>): void {
    const ordered: Array<Tensor | undefined> = new Array(this.flat.segments.length);
    for (const { name, tensor } of named) {
      const index = this.segmentOfVariable.get(name);
      if (index === undefined) {
        throw new InvalidArgumentError('gradient', name, `a gradient for one of the model's trainable variables (${[...this.segmentOfVariable.keys()].slice(0, 6).join(', ')}…)`);
      }
      if (!tensor) continue;
      const { length } = this.flat.segments[index];
      if (tensor.size !== length) throw new InvalidArgumentError(`gradient ${name}`, tensor.size, `${length} elements`);
      ordered[index] = tensor;
    }
    this.flat.collectGradients(ordered, this.grads);
  }

  /** Makes this rank's gradient non-finite, so that every rank skips the coming step (e.g. after a NaN loss). */
  markGradientsNonFinite(): void {
    this.grads[0] = Number.NaN;
  }

  /**
   * strategy.step(params, grads), then the new parameters are written into the model. Rejects with a CommError
   * when a peer fails, NonFiniteGradientError when the step makes maxConsecutiveSkips skipped steps in a row.
   */
  async syncStep(): Promise<SyncStepStats> {
    this.checkAlive();
    const stats = await this.strategy.step(this.params, this.grads);
    this.flat.write(this.params);
    this.skips.record(stats.step, stats.skipped);
    return stats;
  }

  /** Copies of parameters and momentum, and the step counter. */
  snapshot(): ParamsSnapshot {
    return { params: this.params.slice(), momentum: this.momentum.slice(), step: this.step };
  }

  /** Restores a snapshot (checkpoint) into the buffers, the optimizer and the model. */
  restore(snapshot: ParamsSnapshot): void {
    this.checkAlive();
    if (snapshot.params.length !== this.numParams || snapshot.momentum.length !== this.numParams) {
      throw new InvalidArgumentError('snapshot', snapshot.params.length, `${this.numParams} parameters and momentum values`);
    }
    this.params.set(snapshot.params);
    this.momentum.set(snapshot.momentum);
    this.lion.state.step = snapshot.step;
    this.flat.write(this.params);
  }

  /** Releases the strategy, the momentum and both flat buffers. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.strategy.dispose();
    this.lion.dispose();
    this.flat.unbind();
    kernelMemory.release(this.paramsRegion);
    kernelMemory.release(this.gradsRegion);
  }

  private checkAlive(): void {
    if (this.disposed) throw new InvalidArgumentError('SyncedParams', 'disposed', 'a SyncedParams that has not been disposed');
  }
}
