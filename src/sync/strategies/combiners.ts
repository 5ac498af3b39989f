// How each compressed strategy encodes and combines: 1-bit votes, p-bit quantised votes, the paper's int8 ring,
// Distributed Lion's allgather vote and average of signs.

import type { QuantBits, QuantMethod } from '../../codec/quant-options.js';
import { int8LevelsFor, quantizeInt8 } from '../../codec/int8-quant.js';
import { packedWordCount } from '../../codec/quant-options.js';
import { signCodeWords } from '../../codec/sign-code-checks.js';
import type { ProcessGroup } from '../../comm/process-group.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { kernelMemory } from '../../kernels/load.js';
import type { Lion, LionStepPlan } from '../../optim/lion.js';
import { Int8Ring } from '../collectives/int8-ring.js';
import { PbitAllreduce } from '../collectives/pbit-allreduce.js';
import { TallyAllreduce } from '../collectives/tally-allreduce.js';
import { VoteAllgather } from '../collectives/vote-allgather.js';
import { VoteAllreduce } from '../collectives/vote-allreduce.js';
import type { Stopwatch } from '../stopwatch.js';
import type { Combined, UpdateCombiner } from './compressed.js';

/** Kernel-memory buffers owned by a combiner; views are re-taken on every use (a grow detaches them). */
class Regions {
  private readonly regions: KernelRegion[] = [];
  alloc(bytes: number): KernelRegion {
    const r = kernelMemory.alloc(bytes);
    this.regions.push(r);
    return r;
  }
  release(): void {
    for (const r of this.regions.splice(0)) kernelMemory.release(r);
  }
}

/** 1-bit sign code of c, combined by a vote collective (`cub-1bit` with VoteAllreduce, `dlion-mavo` with VoteAllgather). */
export class SignVoteCombiner implements UpdateCombiner {
  /** The vote allreduce carries the finiteness flag in its messages; the allgather vote does not. */
  readonly agreesOnFiniteness: boolean;
  private readonly regions = new Regions();
  private readonly code: KernelRegion;
  private readonly voted: KernelRegion;
  private readonly collective: VoteAllreduce | VoteAllgather;

  constructor(group: ProcessGroup, private readonly lion: Lion, algorithm: 'allreduce' | 'allgather') {
    const n = lion.layout.numParams;
    this.code = this.regions.alloc(4 * signCodeWords(n));
    this.voted = this.regions.alloc(4 * signCodeWords(n));
    this.collective = algorithm === 'allreduce' ? new VoteAllreduce(group, n) : new VoteAllgather(group, n);
    this.agreesOnFiniteness = this.collective instanceof VoteAllreduce;
    // The encode writes the next momentum while it reads m and g, so the apply moves θ alone (one rank runs plain Lion).
    if (group.worldSize > 1) lion.reserveStagedMomentum();
  }

  async combine(grads: Float32Array, plan: LionStepPlan, watch: Stopwatch): Promise<Combined> {
    const finite = watch.time('encodeMs', () => this.lion.encodeSign(grads, this.code.u32(), plan)) && plan.gradsFinite;
    const collective = this.collective;
    if (collective instanceof VoteAllreduce) {
      const agreed = await watch.timeAsync('commMs', () => collective.runAgreeing(this.code.u32(), plan.step, finite, { output: this.voted.u32() }));
      return { kind: 'code', code: this.voted.u32(), allFinite: agreed.allFinite };
    }
    await watch.timeAsync('commMs', () => collective.run(this.code.u32(), plan.step, { output: this.voted.u32() }));
    return { kind: 'code', code: this.voted.u32() };
  }

  dispose(): void {
    this.collective.dispose();
    this.regions.release();
  }
}

/**
 * Who decides a value whose quantised votes sum to zero (all ranks abstained, or a tie): `parity` alternates the
 * sign with the step (unbiased, uninformed); `owner` takes the sign of the unquantised c of the rank that sums that
 * value, so a small but consistent c still moves its parameter as Lion's sign(mean c) would.
 */
export type PbitTieBreak = 'parity' | 'owner';
export const PBIT_TIE_BREAKS: readonly PbitTieBreak[] = ['parity', 'owner'];

export interface QuantSettings { bits: QuantBits; method: QuantMethod; tie: PbitTieBreak }

/** p-bit quantised c per layer, summed exactly by its owner, sign allgathered (`cub-pbit`). */
export class QuantVoteCombiner implements UpdateCombiner {
  readonly agreesOnFiniteness = true;
  private readonly regions = new Regions();
  private readonly code: KernelRegion;
  private readonly voted: KernelRegion;
  /** The owner's own sign of c over its slice (tie=owner only). */
  private readonly ties: KernelRegion | null;
  private readonly collective: PbitAllreduce;

  constructor(group: ProcessGroup, private readonly lion: Lion, private readonly quant: QuantSettings, private readonly seed: number) {
    const n = lion.layout.numParams;
    this.code = this.regions.alloc(4 * packedWordCount(n, quant.bits));
    this.voted = this.regions.alloc(4 * signCodeWords(n));
    this.collective = new PbitAllreduce(group, n, quant.bits);
    this.ties = quant.tie === 'owner' ? this.regions.alloc(4 * signCodeWords(this.collective.ownSlice.length)) : null;
    // As for SignVoteCombiner: the pack pass stages the next momentum, the apply moves θ alone.
    if (group.worldSize > 1) lion.reserveStagedMomentum();
  }

  async combine(grads: Float32Array, plan: LionStepPlan, watch: Stopwatch): Promise<Combined> {
    const { bits, method } = this.quant;
    const finite = watch.time('encodeMs', () => this.lion.encodeQuant(grads, { bits, method, seed: this.seed }, this.code.u32(), plan)) && plan.gradsFinite;
    const ties = this.ties;
    if (ties) watch.time('encodeMs', () => this.lion.encodeSignSlice(grads, ties.u32(), plan, this.collective.ownSlice));
    const agreed = await watch.timeAsync('commMs', () => this.collective.runAgreeing(this.code.u32(), plan.step, finite, {
      output: this.voted.u32(), ties: ties?.u32(),
    }));
    return { kind: 'code', code: this.voted.u32(), allFinite: agreed.allFinite };
  }

  dispose(): void {
    this.collective.dispose();
    this.regions.release();
  }
}

/** The paper's p-bit variant: int8 quantised votes with s = ⌊127/N⌋, int8 ring allreduce, sign (`cub-int8`). */
export class Int8RingCombiner implements UpdateCombiner {
  private readonly regions = new Regions();
  private readonly c: KernelRegion;
  private readonly q: KernelRegion;
  private readonly voted: KernelRegion;
  private readonly collective: Int8Ring;
  private readonly levels: number;

  constructor(group: ProcessGroup, private readonly lion: Lion, private readonly method: QuantMethod, private readonly seed: number) {
    const n = lion.layout.numParams;
    this.c = this.regions.alloc(4 * n);
    this.q = this.regions.alloc(n);
    this.voted = this.regions.alloc(4 * signCodeWords(n));
    this.collective = new Int8Ring(group, n);
    this.levels = int8LevelsFor(method, group.worldSize);
  }

  async combine(grads: Float32Array, plan: LionStepPlan, watch: Stopwatch): Promise<Combined> {
    watch.time('encodeMs', () => {
      this.lion.updateVector(grads, this.c.f32(), plan);
      quantizeInt8(this.c.f32(), this.lion.layout.segments, { method: this.method, levels: this.levels, seed: this.seed, step: plan.step }, this.q.i8());
    });
    await watch.timeAsync('commMs', () => this.collective.run(this.q.i8(), plan.step, { output: this.voted.u32() }));
    return { kind: 'code', code: this.voted.u32() };
  }

  dispose(): void {
    this.collective.dispose();
    this.regions.release();
  }
}

/** Distributed Lion's average: Δ = (1/N)·Σ sign(c_i), values in {−1, −1+2/N, …, 1} (`dlion-avg`). */
export class SignAverageCombiner implements UpdateCombiner {
  private readonly regions = new Regions();
  private readonly code: KernelRegion;
  private readonly direction: KernelRegion;
  private readonly collective: TallyAllreduce;

  constructor(private readonly group: ProcessGroup, private readonly lion: Lion) {
    const n = lion.layout.numParams;
    this.code = this.regions.alloc(4 * signCodeWords(n));
    this.direction = this.regions.alloc(4 * n);
    this.collective = new TallyAllreduce(group, n);
  }

  async combine(grads: Float32Array, plan: LionStepPlan, watch: Stopwatch): Promise<Combined> {
    watch.time('encodeMs', () => this.lion.encodeSign(grads, this.code.u32(), plan));
    const tally = await watch.timeAsync('commMs', () => this.collective.run(this.code.u32()));
    const direction = this.direction.f32();
    watch.time('decodeMs', () => {
      // The tally counts −1 votes as negative: t = N − 2k = Σ sign; the code's bit 1 means negative.
      const inv = 1 / this.group.worldSize;
      for (let i = 0; i < direction.length; i++) direction[i] = Math.fround(tally[i] * inv);
    });
    return { kind: 'direction', direction };
  }

  dispose(): void {
    this.collective.dispose();
    this.regions.release();
  }
}
