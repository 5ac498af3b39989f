// `bench/pbit-vote-probe.ts`: how often cub-pbit's vote disagrees with lion's sign(Σ c_i), per layer, and the final
// accuracy when a different vote is applied. Diagnostic only: every rank's float c is gathered (4·d bytes per rank and
// step) so the exact sum is known; the workers are in-process ranks over memory transports running the same Trainer as
// `lion-cub train` (same seed, same run), so `--vote integer` reproduces `--sync cub-pbit` (4-bit, L1).
//
// Votes (rank 0 computes, every rank applies the same code):
//   integer  sign(Σ q_i), q_i = clamp(round(c_i·k_i)) with k_i = s/(2μ_i) of rank i (cub-pbit today)
//   weighted sign(Σ q_i/k_i): each rank's integers weighted by its own scale (the dequantised sum)
//   shared   sign(Σ q'_i), q'_i quantised with one k = s/(2·mean_i μ_i) shared by all ranks
//   midrise  sign(Σ (2v_i + 1)), v_i = clamp(floor(c_i·k'_i), −2^(p−1), 2^(p−1) − 1), k'_i = 2^(p−1)/(2μ_i): a grid
//            without a zero level, so every rank votes on every value (zero sums only from exact ties)
//   tiebreak sign(Σ q_i), a zero sum decided by the majority of the ranks' sign(c_i)
//   owner    sign(Σ q_i), a zero sum decided by sign(c) of the rank that owns the value's slice (UnitSlices)
//   exact    sign(Σ c_i) (what lion's sign(mean c) gives, up to float rounding)
//   still    exact, but a value with Σ c_i = 0 does not move (lion's sign(0) = 0; a 1-bit code cannot say it),
//            applied as a float direction
// A zero sum takes the parity rule in every vote. Statistics are counted over every step: per layer, the share of
// values whose vote differs from sign(Σ c_i) (a zero sum counts as differing unless Σ c_i is 0 too).
//
// Run: npx tsx bench/pbit-vote-probe.ts [--vote integer] [--seeds 0] [--steps 300] [--bits 4] [--nproc 4] [--json]
//   [--accuracy-only] (with --vote exact: skip the statistics, only the final accuracy)
//   [--sync S] (run a registered strategy instead of the probe, e.g. lion, to check that in-process ranks give
//   the accuracy `lion-cub bench train` gives for the same seed)
// Bounded: one 300-step mnist-mlp run per seed (≈ 2 min per seed on a quiet 2-core machine).

import { parseArgs } from 'node:util';
import { parityBit } from '../src/codec/parity.js';
import { initBackend } from '../src/tfjs/backend.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { withRanks } from '../src/train/test-support/ranks.js';
import { Trainer } from '../src/train/trainer.js';
import { registerStrategy } from '../src/sync/registry.js';
import { choiceParam } from '../src/sync/spec.js';
import { CompressedStrategy, type Combined, type UpdateCombiner } from '../src/sync/strategies/compressed.js';
import type { ProcessGroup } from '../src/comm/process-group.js';
import type { Lion, LionStepPlan } from '../src/optim/lion.js';
import type { Segment } from '../src/codec/quant-options.js';
import { UnitSlices } from '../src/sync/collectives/unit-slices.js';

const VOTES = ['integer', 'weighted', 'shared', 'midrise', 'tiebreak', 'owner', 'exact', 'still'] as const;
type Vote = typeof VOTES[number];
const { values } = parseArgs({
  options: {
    vote: { type: 'string', default: 'integer' }, seeds: { type: 'string', default: '0' }, steps: { type: 'string', default: '300' },
    bits: { type: 'string', default: '4' }, nproc: { type: 'string', default: '4' }, json: { type: 'boolean', default: false },
    'accuracy-only': { type: 'boolean', default: false }, sync: { type: 'string' },
  },
});
if (!(VOTES as readonly string[]).includes(values.vote)) throw new Error(`--vote: one of ${VOTES.join(', ')}`);
const LEVELS = (1 << (Number(values.bits) - 1)) - 1;

/** Per layer: values voted, and how many of each vote differ from sign(Σ c) (zero sums included). */
interface LayerCounts { values: number; zeroExact: number; differ: Record<Exclude<Vote, 'exact' | 'still'>, number>; zero: Record<Exclude<Vote, 'exact' | 'still'>, number> }
const COMPARED = ['integer', 'weighted', 'shared', 'midrise', 'tiebreak', 'owner'] as const;
const HALF = 1 << (Number(values.bits) - 1);

function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

function quant(c: number, k: number): number {
  return Math.max(-LEVELS, Math.min(LEVELS, roundEven(Math.fround(c * k))));
}

function midrise(c: number, k: number): number {
  return 2 * Math.max(-HALF, Math.min(HALF - 1, Math.floor(Math.fround(c * k)))) + 1;
}

function scaleOf(mu: number, levels = LEVELS): number {
  return mu > 0 && Number.isFinite(mu) ? Math.fround(levels / (2 * mu)) : 0;
}

const sgn = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

class ProbeCombiner implements UpdateCombiner {
  private readonly c: Float32Array;
  private readonly code: Uint32Array;

  constructor(private readonly group: ProcessGroup, private readonly lion: Lion, private readonly vote: Vote, private readonly counts: LayerCounts[]) {
    this.c = new Float32Array(lion.layout.numParams);
    this.code = new Uint32Array(Math.ceil(lion.layout.numParams / 32));
  }

  async combine(grads: Float32Array, plan: LionStepPlan): Promise<Combined> {
    if (this.vote === 'still') return this.still(grads, plan);
    this.lion.updateVector(grads, this.c, plan);
    const all = await this.group.allgather(this.c);
    if (this.group.rank === 0) this.decide(all, plan.step);
    await this.group.broadcast(this.code, 0);
    return { kind: 'code', code: this.code };
  }

  /** Every rank sums the gathered c itself (same order, same result) and applies sign(Σ c) with sign(0) = 0. */
  private async still(grads: Float32Array, plan: LionStepPlan): Promise<Combined> {
    this.lion.updateVector(grads, this.c, plan);
    const all = await this.group.allgather(this.c);
    const n = this.c.length;
    const direction = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let exact = 0;
      for (let r = 0; r < this.group.worldSize; r++) exact += all[r * n + i];
      direction[i] = sgn(exact);
    }
    return { kind: 'direction', direction };
  }

  private decide(all: Float32Array, step: number): void {
    const n = this.c.length;
    const ranks = this.group.worldSize;
    this.code.fill(0);
    if (this.vote === 'exact' && values['accuracy-only']) {
      for (let i = 0; i < n; i++) {
        let exact = 0;
        for (let r = 0; r < ranks; r++) exact += all[r * n + i];
        const negative = exact < 0 ? 1 : exact === 0 ? parityBit(i, step) : 0;
        this.code[i >>> 5] |= negative << (i & 31);
      }
      return;
    }
    const slices = new UnitSlices(n, ranks);
    const owners = new Uint8Array(Math.ceil(n / 32));
    for (let q = 0; q < ranks; q++) owners.fill(q, slices.unitStart(q), slices.unitStart(q) + slices.unitCount(q));
    this.lion.layout.segments.forEach((seg: Segment, l) => {
      if (seg.length === 0) return;
      const k = new Float64Array(ranks);
      const kMid = new Float64Array(ranks);
      let muSum = 0;
      for (let r = 0; r < ranks; r++) {
        let abs = 0;
        for (let i = seg.offset; i < seg.offset + seg.length; i++) abs += Math.abs(all[r * n + i]);
        muSum += abs / seg.length;
        k[r] = scaleOf(abs / seg.length);
        kMid[r] = scaleOf(abs / seg.length, HALF);
      }
      const kShared = scaleOf(muSum / ranks);
      const counts = this.counts[l] ??= { values: 0, zeroExact: 0, differ: zeros(), zero: zeros() };
      for (let i = seg.offset; i < seg.offset + seg.length; i++) {
        let exact = 0, integer = 0, weighted = 0, shared = 0, mid = 0, lean = 0;
        for (let r = 0; r < ranks; r++) {
          const c = all[r * n + i];
          exact += c;
          const q = quant(c, k[r]);
          integer += q;
          if (k[r] > 0) weighted += q / k[r];
          shared += quant(c, kShared);
          mid += midrise(c, kMid[r]);
          lean += sgn(c);
        }
        const truth = sgn(exact);
        counts.values++;
        if (truth === 0) counts.zeroExact++;
        const own = all[owners[i >>> 5] * n + i];
        const sums = { integer, weighted, shared, midrise: mid, tiebreak: integer !== 0 ? integer : lean, owner: integer !== 0 ? integer : own };
        for (const v of COMPARED) {
          if (sums[v] === 0) counts.zero[v]++;
          if (sgn(sums[v]) !== truth) counts.differ[v]++;
        }
        const chosen = this.vote === 'exact' || this.vote === 'still' ? exact : sums[this.vote];
        const negative = chosen < 0 ? 1 : chosen === 0 ? parityBit(i, step) : 0;
        this.code[i >>> 5] |= negative << (i & 31);
      }
    });
  }

  dispose(): void {}
}

function zeros(): Record<Exclude<Vote, 'exact' | 'still'>, number> {
  return { integer: 0, weighted: 0, shared: 0, midrise: 0, tiebreak: 0, owner: 0 };
}

const runCounts: LayerCounts[] = [];
registerStrategy({
  name: 'cub-pbit-probe',
  summary: 'diagnostic: gathers every rank\'s c and applies the vote chosen by `vote=`',
  params: ['vote'],
  create: (spec, ctx) => new CompressedStrategy('cub-pbit-probe', ctx,
    new ProbeCombiner(ctx.group, ctx.lion, choiceParam(spec, 'vote', 'probe', 'integer', VOTES), runCounts)),
  stepWork: () => { throw new Error('cub-pbit-probe has no cost model'); },
});

await initBackend({ backend: 'wasm' });
const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
for (const seed of values.seeds.split(',').map(Number)) {
  runCounts.length = 0;
  const config = resolveTrainConfig({
    workload: 'mnist-mlp', sync: values.sync ?? `cub-pbit-probe:vote=${values.vote}`, steps: Number(values.steps), evalEvery: 100, batchSize: 128, seed,
  });
  const finals = await withRanks(Number(values.nproc), async (group) => {
    const trainer = await Trainer.create({ config, group, outDir: null, resume: false });
    try { return (await trainer.run()).finalEval; } finally { trainer.dispose(); }
  });
  const layers = runCounts.map((c, l) => ({
    layer: l, values: c.values, zeroExact: c.zeroExact / c.values,
    differ: Object.fromEntries(Object.entries(c.differ).map(([k, v]) => [k, v / c.values])) as Record<typeof COMPARED[number], number>,
    zero: Object.fromEntries(Object.entries(c.zero).map(([k, v]) => [k, v / c.values])) as Record<typeof COMPARED[number], number>,
  }));
  // Printed as each seed ends, so a long run reports as it goes.
  const row = { seed, vote: values.vote, accuracy: finals[0].accuracy, loss: finals[0].loss, layers };
  if (values.json) {
    console.log(JSON.stringify(row));
    continue;
  }
  console.log(`seed ${row.seed}, vote ${row.vote}: final test accuracy ${row.accuracy.toFixed(4)}, loss ${row.loss.toFixed(4)}`);
  if (layers.length === 0) continue;
  console.log(`layer | values | Σc = 0 | ${COMPARED.map((v) => `differ ${v}`).join(' | ')} | ${COMPARED.map((v) => `zero sum ${v}`).join(' | ')}`);
  for (const l of layers) {
    console.log(`${l.layer} | ${l.values} | ${pct(l.zeroExact)} | ${COMPARED.map((v) => pct(l.differ[v])).join(' | ')} | ${COMPARED.map((v) => pct(l.zero[v])).join(' | ')}`);
  }
}
