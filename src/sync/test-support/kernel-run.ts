// Runs a strategy the way training does: parameters, gradients and momentum in kernel memory, so the wasm
// kernels run in place (the production path), with each step's gradient copied in from a heap array.

import type { ProcessGroup } from '../../comm/process-group.js';
import { kernelMemory } from '../../kernels/load.js';
import { createLion, type CreateLionOptions } from '../../optim/lion.js';
import type { ParamLayout } from '../../optim/param-layout.js';
import { parseMomentumPolicy } from '../momentum-policy.js';
import { createStrategy } from '../registry.js';
import type { SyncStepStats } from '../strategy.js';

export interface KernelRun {
  params: Float32Array;
  momentum: Float32Array;
  stats: SyncStepStats[];
  /** Lion's step counter at the end. */
  step: number;
  /** Parameters and momentum after each step (copies). */
  history: Array<{ params: Float32Array; momentum: Float32Array }>;
}

export interface KernelRunOptions {
  layout: ParamLayout;
  lion: Omit<CreateLionOptions, 'stateMemory'>;
  params0: Float32Array;
  grads: (rank: number, step: number) => Float32Array;
  momentumSync?: string;
  seed?: number;
}

/** `steps` steps of `spec` on this rank; every buffer in kernel memory, released at the end. */
export async function kernelRun(group: ProcessGroup, spec: string, steps: number, options: KernelRunOptions): Promise<KernelRun> {
  const lion = createLion(options.layout, { ...options.lion, stateMemory: 'kernel' });
  const strategy = createStrategy(spec, { group, lion, momentumPolicy: parseMomentumPolicy(options.momentumSync ?? 'none'), seed: options.seed ?? 7 });
  const d = options.layout.numParams;
  const params = kernelMemory.allocF32(d);
  const grads = kernelMemory.allocF32(d);
  try {
    params.f32().set(options.params0);
    const stats: SyncStepStats[] = [];
    const history: KernelRun['history'] = [];
    for (let s = 0; s < steps; s++) {
      grads.f32().set(options.grads(group.rank, s));
      stats.push(await strategy.step(params.f32(), grads.f32()));
      history.push({ params: params.f32().slice(), momentum: lion.state.momentum.slice() });
    }
    return { params: params.f32().slice(), momentum: lion.state.momentum.slice(), stats, step: lion.state.step, history };
  } finally {
    kernelMemory.release(params);
    kernelMemory.release(grads);
    strategy.dispose();
    lion.dispose();
  }
}
