// The shared step of every compressed strategy: encode this rank's pre-sign update, combine the ranks' codes into
// one direction, apply it everywhere, then synchronise momentum if the policy says so.
//
// Every rank applies the SAME direction Δ, so parameters stay identical without being sent; momenta stay local
// (each sees only its own gradient) except when MomentumSynchronizer averages them. With one rank there is nothing
// to communicate and the strategy runs plain Lion, so N = 1 reproduces single-process Lion bit for bit (a 1-bit
// code cannot hold sign(0) = 0; docs/wire-format.md).

import type { LionStepPlan } from '../../optim/lion.js';
import { MomentumSynchronizer } from '../momentum-sync.js';
import { Stopwatch } from '../stopwatch.js';
import type { StrategyContext, SyncStepStats, SyncStrategy } from '../strategy.js';
import { trafficOf, trafficSince } from '../traffic.js';
import { FiniteAgreement } from '../finite-agreement.js';
import { LionCubError } from '../../errors.js';
import { pick, stepIfFinite } from './gradient-allreduce.js';

/**
 * What the ranks agreed on: a 1-bit code of Δ ∈ {−1, +1}, or a float direction (e.g. the average of signs); and,
 * from a combiner that agrees on finiteness itself, whether every rank's gradient was finite.
 */
export type Combined = ({ kind: 'code'; code: Uint32Array } | { kind: 'direction'; direction: Float32Array }) & { allFinite?: boolean };

/**
 * Encodes this rank's update with the optimizer's own encode operations (lion.encodeSign, lion.encodeQuant,
 * lion.updateVector) from the clipped gradient and the plan for it, and combines it across ranks.
 */
export interface UpdateCombiner {
  /**
   * True when combine() also agrees on finiteness inside its own collective (VoteAllreduce.runAgreeing and
   * PbitAllreduce.runAgreeing) and returns `allFinite`; CompressedStrategy then sends no separate agreement, and
   * plans the step with `deferFiniteCheck`: this rank's flag is `plan.gradsFinite && <what lion.encodeSign or
   * lion.encodeQuant returned>` (Lion refuses to apply a deferred plan whose encode saw a NaN or ±∞). Otherwise
   * CompressedStrategy runs a one-byte allreduce before combine's collective.
   */
  readonly agreesOnFiniteness?: boolean;
  combine(grads: Float32Array, plan: LionStepPlan, watch: Stopwatch): Promise<Combined>;
  dispose(): void;
}

/** A strategy that exchanges codes, not gradients: its UpdateCombiner encodes and combines; this class applies the agreed direction on every rank, keeps N = 1 plain Lion, skips non-finite steps and synchronises momentum by policy. */
export class CompressedStrategy implements SyncStrategy {
  private readonly momentumSync: MomentumSynchronizer;
  private readonly finite: FiniteAgreement;

  constructor(readonly name: string, private readonly ctx: StrategyContext, private readonly combiner: UpdateCombiner) {
    this.momentumSync = new MomentumSynchronizer(ctx.group, ctx.lion, ctx.momentumPolicy, ctx.seed);
    this.finite = new FiniteAgreement(ctx.group);
  }

  async step(params: Float32Array, grads: Float32Array): Promise<SyncStepStats> {
    const { group, lion } = this.ctx;
    const watch = new Stopwatch();
    const step = lion.state.step;
    if (group.worldSize === 1) {
      const report = watch.time('decodeMs', () => stepIfFinite(lion, params, grads));
      return { step, lr: report.lr, ...pick(watch), bytesSent: 0, bytesReceived: 0, momentumSyncedValues: 0, momentumDivergence: null, skipped: !report.gradsFinite };
    }
    const before = trafficOf(group);
    // A combiner that agrees on finiteness learns this rank's flag from its encode (lion.encodeSign and encodeQuant
    // test it in their own pass), so planStep skips its separate pass over the gradient.
    const agrees = this.combiner.agreesOnFiniteness === true;
    const planned = watch.time('encodeMs', () => lion.planStep(grads, { deferFiniteCheck: agrees }));
    // Unless the combiner's collective carries the flag, the agreement is queued on the group before the combine's
    // collective, so every rank runs the two in the same order.
    const agreement = agrees ? null : this.finite.start(planned.gradsFinite);
    // A gradient known to be non-finite is replaced by zeros so that the encode runs on numbers; the step is skipped anyway.
    if (!planned.gradsFinite) grads.fill(0);
    // The code kernels take the gradient as given, so clipping scales it in place once, up front.
    const plan = watch.time('encodeMs', () => lion.clipInPlace(grads, planned));
    const combined = await this.combiner.combine(grads, plan, watch);
    const allFinite = agreement ? await watch.timeAsync('commMs', () => agreement) : combined.allFinite;
    if (typeof allFinite !== 'boolean') {
      throw new LionCubError('invalid_state', `${this.name}: the combiner sets agreesOnFiniteness but its combine() returned no allFinite; return the collective's allFinite, or leave agreesOnFiniteness unset`);
    }
    if (!allFinite) {
      lion.skip(plan);
      return { step, lr: plan.lr, ...pick(watch), ...trafficSince(group, before), momentumSyncedValues: 0, momentumDivergence: null, skipped: true };
    }
    watch.time('decodeMs', () => {
      if (combined.kind === 'code') lion.applySignCode(params, grads, combined.code, plan);
      else lion.applyDirection(params, grads, combined.direction, plan);
    });
    const momentum = await watch.timeAsync('commMs', () => this.momentumSync.syncAt(plan.step));
    return {
      step, lr: plan.lr, ...pick(watch), ...trafficSince(group, before),
      momentumSyncedValues: momentum.syncedValues, momentumDivergence: momentum.divergence, skipped: false,
    };
  }

  dispose(): void {
    this.combiner.dispose();
    this.momentumSync.dispose();
  }
}
