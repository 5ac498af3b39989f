// Benchmark cases for the plain Lion kernels of src/optim (no codes): fused step, apply-direction, and the
// gradient checks of planStep: the sum of squares (clipping norm) and the finiteness test without clipping.

import { allFinite, sumOfSquares } from '../../optim/global-norm.js';
import { lionApplyDirection, lionFusedStep, lionFusedStepJs } from '../../optim/lion-fused.js';
import { lionCoefficients } from '../../optim/lion-numerics.js';
import { randomFloat32 } from '../../random.js';
import { withRegions, type CodecBenchCase } from './case.js';

const K = lionCoefficients({ lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decayed: true });
/** No weight decay and no clipping (the training default): the kernel leaves out θ·1 and g·1. */
const K_UNSCALED = lionCoefficients({ lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0, decayed: true });

function stepCase(kernel: string, path: 'wasm' | 'js', step: typeof lionFusedStep, k = K): CodecBenchCase {
  return {
    kernel, path,
    setup: (n, memory) => withRegions(memory, [n * 4, n * 4, n * 4], ([p, m, g]) => {
      p.f32().set(randomFloat32(n, 21));
      m.f32().set(randomFloat32(n, 22, { scale: 0.1 }));
      g.f32().set(randomFloat32(n, 23));
      // The JS path runs on copies in the ordinary heap, where the dispatcher would pick JS anyway.
      const [params, momentum, grads] = path === 'js' ? [p.f32().slice(), m.f32().slice(), g.f32().slice()] : [p.f32(), m.f32(), g.f32()];
      return () => step(params, momentum, grads, k);
    }),
  };
}

/** A kernel that only reads a gradient (planStep's checks). */
function gradientCheckCase(kernel: string, check: (grads: Float32Array) => unknown): CodecBenchCase {
  return {
    kernel, path: 'wasm',
    setup: (n, memory) => withRegions(memory, [n * 4], ([g]) => {
      g.f32().set(randomFloat32(n, 41));
      const grads = g.f32();
      return () => { check(grads); };
    }),
  };
}

export const optimKernelCases: CodecBenchCase[] = [
  stepCase('lion-step-plain', 'wasm', lionFusedStep),
  stepCase('lion-step-plain-js', 'js', lionFusedStepJs),
  stepCase('lion-step-no-decay', 'wasm', lionFusedStep, K_UNSCALED),
  {
    kernel: 'lion-apply-direction',
    path: 'wasm',
    setup: (n, memory) => withRegions(memory, [n * 4, n * 4, n * 4, n * 4], ([p, m, g, d]) => {
      p.f32().set(randomFloat32(n, 31));
      m.f32().set(randomFloat32(n, 32, { scale: 0.1 }));
      g.f32().set(randomFloat32(n, 33));
      d.f32().set(randomFloat32(n, 34));
      const [params, momentum, grads, direction] = [p.f32(), m.f32(), g.f32(), d.f32()];
      return () => lionApplyDirection(params, momentum, grads, direction, K);
    }),
  },
  gradientCheckCase('sum-of-squares', sumOfSquares),
  gradientCheckCase('all-finite', allFinite),
];
