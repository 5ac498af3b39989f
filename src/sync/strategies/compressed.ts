// The shared step of every compressed strategy: encode this rank's pre-sign update, combine the ranks' codes into
// one direction, apply it everywhere, then synchronise momentum if the policy says so.
//
// Every rank applies the SAME direction Δ, so parameters stay identical without being sent; momenta stay local
// (each sees only its own gradient) except when MomentumSynchronizer averages them. With one rank there is nothing
// to communicate and the strategy runs plain Lion, so N = 1 reproduces single-process Lion bit for bit (a 1-bit
// code cannot hold sign(0) = 0; docs/wire-format.md).

import { lionApplySign } from '../../codec/lion-sign.js';
import { lionApplyDirection } from '../../optim/lion-fused.js';
import { decayRuns, type DecayRun, type LionStepPlan } from '../../optim/lion.js';
import { lionCoefficients } from '../../optim/lion-numerics.js';
import { MomentumSynchronizer } from '../momentum-sync.js';
import { Stopwatch } from '../stopwatch.js';
import type { StrategyContext, SyncStepStats, SyncStrategy } from '../strategy.js';
import { trafficOf, trafficSince } from '../traffic.js';
import { FiniteAgreement } from '../finite-agreement.js';
import { pick, stepIfFinite } from './gradient-allreduce.js';

/** What the ranks agreed on: a 1-bit code of Δ ∈ {−1, +1}, or a float direction (e.g. the average of signs). */
export type Combined = { kind: 'code'; code: Uint32Array } | { kind: 'direction'; direction: Float32Array };

/** Encodes this rank's update from (momentum, clipped gradient) and combines it across ranks. */
export interface UpdateCombiner {
  combine(momentum: Float32Array, grads: Float32Array, plan: LionStepPlan, watch: Stopwatch): Promise<Combined>;
  dispose(): void;
}

export class CompressedStrategy implements SyncStrategy {
  private readonly runs: DecayRun[];
  private readonly momentumSync: MomentumSynchronizer;
  private readonly finite: FiniteAgreement;

  constructor(readonly name: string, private readonly ctx: StrategyContext, private readonly combiner: UpdateCombiner) {
    this.runs = decayRuns(ctx.lion.layout, ctx.lion.options.decayed);
    this.momentumSync = new MomentumSynchronizer(ctx.group, ctx.lion, ctx.momentumPolicy, ctx.seed);
    this.finite = new FiniteAgreement(ctx.group);
  }

  async step(params: Float32Array, grads: Float32Array): Promise<SyncStepStats> {
    const { group, lion } = this.ctx;
    const watch = new Stopwatch();
    const step = lion.state.step;
    if (group.worldSize === 1) {
      const report = watch.time('decodeMs', () => stepIfFinite(lion, params, grads));
      return { step, lr: report.lr, ...pick(watch), bytesSent: 0, bytesReceived: 0, momentumSyncedValues: 0, skipped: !report.gradsFinite };
    }
    const before = trafficOf(group);
    const plan = watch.time('encodeMs', () => lion.planStep(grads));
    // Queued on the group before the combine's collective, so every rank runs the two in the same order.
    const allFinite = this.finite.start(plan.gradsFinite);
    watch.time('encodeMs', () => {
      // A non-finite gradient is replaced by zeros so that the encode runs on numbers; the step is skipped anyway.
      if (!plan.gradsFinite) grads.fill(0);
      // The codec kernels take the gradient as is, so clipping scales it in place once, up front.
      else if (plan.gradScale !== 1) scaleInPlace(grads, Math.fround(plan.gradScale));
    });
    const combined = await this.combiner.combine(lion.state.momentum, grads, plan, watch);
    if (!(await watch.timeAsync('commMs', () => allFinite))) {
      lion.skip(plan);
      return { step, lr: plan.lr, ...pick(watch), ...trafficSince(group, before), momentumSyncedValues: 0, skipped: true };
    }
    watch.time('decodeMs', () => this.apply(params, grads, combined, plan));
    lion.state.step = plan.step + 1;
    const momentumSyncedValues = await watch.timeAsync('commMs', () => this.momentumSync.syncAt(plan.step));
    return { step, lr: plan.lr, ...pick(watch), ...trafficSince(group, before), momentumSyncedValues, skipped: false };
  }

  private apply(params: Float32Array, grads: Float32Array, combined: Combined, plan: LionStepPlan): void {
    const { lion } = this.ctx;
    const momentum = lion.state.momentum;
    const { beta1, beta2, weightDecay } = lion.options;
    for (const run of this.runs) {
      const wd = run.decayed ? weightDecay : 0;
      if (combined.kind === 'code') {
        lionApplySign(params, momentum, grads, combined.code, { lr: plan.lr, weightDecay: wd, beta2 }, { offset: run.start, length: run.end - run.start });
      } else {
        const k = lionCoefficients({ lr: plan.lr, beta1, beta2, weightDecay, decayed: run.decayed });
        lionApplyDirection(params, momentum, grads, combined.direction, k, run.start, run.end);
      }
    }
  }

  /** Divergence per layer at the last adaptive momentum check (null unless the policy is adaptive). */
  get lastMomentumDivergence(): Float64Array | null {
    return this.momentumSync.lastDivergence;
  }

  dispose(): void {
    this.combiner.dispose();
    this.momentumSync.dispose();
  }
}

function scaleInPlace(values: Float32Array, scale: number): void {
  for (let i = 0; i < values.length; i++) values[i] = Math.fround(values[i] * scale);
}
