// `lion` and `lion-bf16`: mean allreduce of the gradients, then ordinary Lion on every rank (the baselines).
//
// Momentum stays identical everywhere because every rank applies Lion to the same averaged gradient.
// For bf16 the gradient is rounded to bfloat16 before sending, summed in float32 at every hop and
// rounded back (ProcessGroup's bfloat16 rule); the mean divides by N on the rank that completes the sum.

import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { kernelMemory } from '../../kernels/load.js';
import { fromBf16, toBf16 } from '../bf16.js';
import { Stopwatch } from '../stopwatch.js';
import type { StrategyContext, SyncStepStats, SyncStrategy } from '../strategy.js';
import { trafficOf, trafficSince } from '../traffic.js';

export class GradientAllreduceStrategy implements SyncStrategy {
  readonly name: string;
  /** The words the allreduce sends and sums (ordinary memory: the process group holds them across awaits). */
  private bf16: Uint16Array | null;
  /** Where the wasm kernels convert (kernel memory); copied to and from `bf16` around the allreduce. */
  private bf16Kernel: KernelRegion | null;

  constructor(private readonly ctx: StrategyContext, private readonly payload: 'f32' | 'bf16') {
    this.name = payload === 'f32' ? 'lion' : 'lion-bf16';
    const n = ctx.lion.layout.numParams;
    this.bf16 = payload === 'bf16' ? new Uint16Array(n) : null;
    this.bf16Kernel = payload === 'bf16' ? kernelMemory.alloc(2 * n) : null;
  }

  async step(params: Float32Array, grads: Float32Array): Promise<SyncStepStats> {
    const { group, lion } = this.ctx;
    const watch = new Stopwatch();
    const before = trafficOf(group);
    const step = lion.state.step;
    if (group.worldSize > 1) {
      if (this.bf16 && this.bf16Kernel) {
        const words = this.bf16;
        const region = this.bf16Kernel;
        const n = words.length;
        watch.time('encodeMs', () => {
          toBf16(grads, region.u16().subarray(0, n));
          words.set(region.u16().subarray(0, n));
        });
        await watch.timeAsync('commMs', () => group.allreduce(words, { op: 'mean', dtype: 'bfloat16' }));
        watch.time('decodeMs', () => {
          const kernelWords = region.u16().subarray(0, n);
          kernelWords.set(words);
          fromBf16(kernelWords, grads);
        });
      } else {
        await watch.timeAsync('commMs', () => group.allreduce(grads, { op: 'mean' }));
      }
    }
    const report = watch.time('decodeMs', () => lion.step(params, grads));
    const traffic = trafficSince(group, before);
    return { step, lr: report.lr, ...pick(watch), ...traffic, momentumSyncedValues: 0 };
  }

  dispose(): void {
    this.bf16 = null;
    if (this.bf16Kernel) kernelMemory.release(this.bf16Kernel);
    this.bf16Kernel = null;
  }
}

/** `noop`: local Lion, nothing sent. The compute-only upper bound for benchmarks; ranks drift apart. */
export class NoopStrategy implements SyncStrategy {
  readonly name = 'noop';
  constructor(private readonly ctx: StrategyContext) {}

  async step(params: Float32Array, grads: Float32Array): Promise<SyncStepStats> {
    const watch = new Stopwatch();
    const step = this.ctx.lion.state.step;
    const report = watch.time('decodeMs', () => this.ctx.lion.step(params, grads));
    return { step, lr: report.lr, ...pick(watch), bytesSent: 0, bytesReceived: 0, momentumSyncedValues: 0 };
  }

  dispose(): void {}
}

export function pick(watch: Stopwatch): { encodeMs: number; commMs: number; decodeMs: number } {
  return { encodeMs: watch.encodeMs, commMs: watch.commMs, decodeMs: watch.decodeMs };
}
