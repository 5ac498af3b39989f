// A sync strategy defined outside the package, from the public entry point only: CONTRIBUTING.md's recipe
// "Add a sync strategy" followed step by step. `tally-majority` tallies the ranks' 1-bit votes and moves each
// parameter by the sign of the tally, abstaining (Δ = 0) on a tie instead of applying the parity rule.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompressedStrategy, ProcessGroup, TallyAllreduce, createLion, createMemoryTransports, compressedStepWork, createStrategy, kernelMemory, kernelOp,
  layoutFromLengths, parseMomentumPolicy, registerStrategy, resolveStrategySpec, signCodeWords, stepTraffic,
  strategyNames, type Combined, type KernelRegion, type Lion, type LionStepPlan, type StepWork, type Stopwatch, type UpdateCombiner,
} from 'lion-cub';
import { predictStep, BUILTIN_CONSTANTS } from 'lion-cub/costmodel';

/** sign(c) of this rank, tallied across ranks; Δ_i = sign(t_i), 0 on a tie. */
class TallyMajorityCombiner implements UpdateCombiner {
  private readonly code: KernelRegion;
  private readonly direction: KernelRegion;
  private readonly tally: TallyAllreduce;

  constructor(group: ProcessGroup, private readonly lion: Lion) {
    const d = lion.layout.numParams;
    this.code = kernelMemory.alloc(4 * signCodeWords(d));
    this.direction = kernelMemory.alloc(4 * d);
    this.tally = new TallyAllreduce(group, d);
  }

  async combine(grads: Float32Array, plan: LionStepPlan, watch: Stopwatch): Promise<Combined> {
    watch.time('encodeMs', () => this.lion.encodeSign(grads, this.code.u32(), plan));
    const tally = await watch.timeAsync('commMs', () => this.tally.run(this.code.u32()));
    const direction = this.direction.f32();
    watch.time('decodeMs', () => { for (let i = 0; i < direction.length; i++) direction[i] = Math.sign(tally[i]); });
    return { kind: 'direction', direction };
  }

  dispose(): void {
    this.tally.dispose();
    kernelMemory.release(this.code);
    kernelMemory.release(this.direction);
  }
}

registerStrategy({
  name: 'tally-majority',
  summary: 'majority of the ranks\' signs by tally allreduce; ties abstain',
  params: [],
  create: (_spec, ctx) => new CompressedStrategy('tally-majority', ctx, new TallyMajorityCombiner(ctx.group, ctx.lion)),
  maxWorldSize: { ranks: 4095, reason: 'N <= 4095 (the tally\'s counters)' },
  stepWork: (_spec, d): StepWork => compressedStepWork({
    label: 'tally-majority',
    encode: [kernelOp('encode sign', 'lion-encode-sign', d)],
    collective: { kind: 'tally-allreduce', numValues: d },
    decode: [kernelOp('tally to direction', 'tally-to-direction', d), kernelOp('apply direction', 'lion-apply-direction', d)],
  }),
});

const D = 1000;
const HP = { lr: 0.01, beta1: 0.9, beta2: 0.99, weightDecay: 0.1 };

/** Gradient of `rank` at `step`: with 4 ranks many coordinates split 2–2, so ties (Δ = 0) occur. */
function gradient(rank: number, step: number): Float32Array {
  const g = new Float32Array(D);
  for (let i = 0; i < D; i++) g[i] = Math.fround(Math.sin(0.37 * i + 1.3 * rank + 0.11 * step) * 0.1);
  return g;
}

/** Brute force of one tally-majority step on every rank's copy, in float64 then rounded as the kernels do. */
function bruteForceStep(params: Float32Array, momenta: Float32Array[], grads: Float32Array[], lr: number): number {
  const { beta1, beta2, weightDecay } = HP;
  let ties = 0;
  for (let i = 0; i < D; i++) {
    let t = 0;
    for (let r = 0; r < grads.length; r++) {
      const c = Math.fround(beta1 * momenta[r][i] + (1 - beta1) * grads[r][i]);
      t += c < 0 || Object.is(c, -0) ? -1 : 1;
    }
    if (t === 0) ties++;
    params[i] = Math.fround(params[i] - lr * (Math.sign(t) + weightDecay * params[i]));
    for (let r = 0; r < grads.length; r++) momenta[r][i] = Math.fround(beta2 * momenta[r][i] + (1 - beta2) * grads[r][i]);
  }
  return ties;
}

test('a strategy registered through the public API trains on 4 ranks: identical parameters, the tally rule, predicted bytes', async () => {
  assert.ok(strategyNames().includes('tally-majority'));
  const n = 4;
  const steps = 3;
  const params0 = Float32Array.from({ length: D }, (_, i) => Math.fround(Math.cos(i) * 0.5));
  const groups = createMemoryTransports(n).map((t) => new ProcessGroup(t, { timeoutMs: 20_000 }));
  const runs = await Promise.all(groups.map(async (group) => {
    const lion = createLion(layoutFromLengths([{ name: 'w', length: D }]), { ...HP, stateMemory: 'kernel' });
    const strategy = createStrategy('tally-majority', { group, lion, momentumPolicy: parseMomentumPolicy('none'), seed: 1 });
    const params = params0.slice();
    const bytes: number[] = [];
    for (let s = 0; s < steps; s++) bytes.push((await strategy.step(params, gradient(group.rank, s))).bytesSent);
    strategy.dispose();
    lion.dispose();
    await group.close();
    return { params, bytes };
  }));

  for (const r of runs) assert.deepEqual(r.params, runs[0].params, 'every rank holds the same parameters');
  const expected = params0.slice();
  const momenta = Array.from({ length: n }, () => new Float32Array(D));
  let ties = 0;
  for (let s = 0; s < steps; s++) ties += bruteForceStep(expected, momenta, Array.from({ length: n }, (_, r) => gradient(r, s)), HP.lr);
  assert.ok(ties > 0, 'the data has ties, so the abstain rule is exercised');
  let differ = 0;
  for (let i = 0; i < D; i++) if (Math.abs(runs[0].params[i] - expected[i]) > 1e-6) differ++;
  assert.equal(differ, 0, `${differ} parameters differ from the brute force`);

  const { info, spec } = resolveStrategySpec('tally-majority');
  const work = info.stepWork!(spec, D, n);
  runs.forEach((r, rank) => assert.deepEqual(r.bytes, Array(steps).fill(stepTraffic(work, n, rank).bytesSent), `rank ${rank}`));
});

test('the cost model prices the outside strategy from its registration', () => {
  const p = predictStep({ strategy: 'tally-majority', numParams: 1 << 20, N: 8, linkGbit: 1, computeMs: 10, constants: BUILTIN_CONSTANTS });
  assert.equal(p.strategy, 'tally-majority');
  assert.ok(p.commMs > 0 && p.bytesPerRank > 0);
  assert.throws(() => predictStep({ strategy: 'tally-majority', numParams: 1000, N: 5000, linkGbit: 1, computeMs: 0, constants: BUILTIN_CONSTANTS }), /4095/);
});
