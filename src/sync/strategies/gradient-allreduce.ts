// `lion` and `lion-bf16`: mean allreduce of the gradients, then ordinary Lion on every rank (the baselines).
//
// Momentum stays identical everywhere because every rank applies Lion to the same averaged gradient.
// For bf16 the gradient is rounded to bfloat16 before sending, summed in float32 at every hop and
// rounded back (ProcessGroup's bfloat16 rule); the mean divides by N on the rank that completes the sum.

import type { Lion, LionStepReport } from '../../optim/lion.js';
import { Bf16Payload } from '../bf16.js';
import { Stopwatch } from '../stopwatch.js';
import type { StrategyContext, SyncStepStats, SyncStrategy } from '../strategy.js';
import { trafficOf, trafficSince } from '../traffic.js';

export class GradientAllreduceStrategy implements SyncStrategy {
  readonly name: string;
  private readonly bf16: Bf16Payload | null;

  constructor(private readonly ctx: StrategyContext, private readonly payload: 'f32' | 'bf16') {
    this.name = payload === 'f32' ? 'lion' : 'lion-bf16';
    this.bf16 = payload === 'bf16' ? new Bf16Payload(ctx.lion.layout.numParams) : null;
  }

  async step(params: Float32Array, grads: Float32Array): Promise<SyncStepStats> {
    const { group, lion } = this.ctx;
    const watch = new Stopwatch();
    const before = trafficOf(group);
    const step = lion.state.step;
    if (group.worldSize > 1) {
      if (this.bf16) {
        const payload = this.bf16;
        const words = watch.time('encodeMs', () => payload.encode(grads));
        await watch.timeAsync('commMs', () => group.allreduce(words, { op: 'mean', dtype: 'bfloat16' }));
        watch.time('decodeMs', () => payload.decode(words, grads));
      } else {
        await watch.timeAsync('commMs', () => group.allreduce(grads, { op: 'mean' }));
      }
    }
    // The reduced gradient is the same on every rank, so every rank takes the same decision on it.
    const report = watch.time('decodeMs', () => stepIfFinite(lion, params, grads));
    const traffic = trafficSince(group, before);
    return { step, lr: report.lr, ...pick(watch), ...traffic, momentumSyncedValues: 0, momentumDivergence: null, skipped: !report.gradsFinite };
  }

  dispose(): void {
    this.bf16?.dispose();
  }
}

/** `noop`: local Lion, nothing sent. The compute-only upper bound for benchmarks; ranks drift apart. */
export class NoopStrategy implements SyncStrategy {
  readonly name = 'noop';
  constructor(private readonly ctx: StrategyContext) {}

  async step(params: Float32Array, grads: Float32Array): Promise<SyncStepStats> {
    const watch = new Stopwatch();
    const step = this.ctx.lion.state.step;
    // Nothing is exchanged, so each rank decides on its own gradient (the ranks drift apart anyway).
    const report = watch.time('decodeMs', () => stepIfFinite(this.ctx.lion, params, grads));
    return { step, lr: report.lr, ...pick(watch), bytesSent: 0, bytesReceived: 0, momentumSyncedValues: 0, momentumDivergence: null, skipped: !report.gradsFinite };
  }

  dispose(): void {}
}

/** Lion's step on `grads`, or a skipped step (counter advanced, nothing else touched) when they are not finite. */
export function stepIfFinite(lion: Lion, params: Float32Array, grads: Float32Array): LionStepReport {
  const plan = lion.planStep(grads);
  return plan.gradsFinite ? lion.step(params, grads, plan) : lion.skip(plan);
}

export function pick(watch: Stopwatch): { encodeMs: number; commMs: number; decodeMs: number } {
  return { encodeMs: watch.encodeMs, commMs: watch.commMs, decodeMs: watch.decodeMs };
}
