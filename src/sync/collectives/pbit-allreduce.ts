// p-bit reduce-scatter + 1-bit allgather: the sign of the exact sum of every rank's quantised update.

import type { ProcessGroup } from '../../comm/process-group.js';
import { maxSummableVectors, packedWordCount, signCodeWords, signOfSumPacked, type QuantBits } from '../../codec/index.js';
import { checkStep, InvalidArgumentError } from '../../errors.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { CompressedCollective, type AgreedCode, type RunOptions } from './compressed-collective.js';
import { FLAG_BYTES, FlaggedSlices } from './flagged-slices.js';
import { GatheredSignCode } from './gathered-sign-code.js';
import { addTraffic, allgathervPairwiseTraffic, alltoallvTraffic, type TrafficSettings, type WireTraffic } from './traffic.js';
import { UnitSlices } from './unit-slices.js';

/** Options of PbitAllreduce.run. */
export interface PbitAllreduceRunOptions extends RunOptions {
  /** Receives the 1-bit sign code of the sum (⌈d/32⌉ words); default: a kernel-memory buffer of the instance. */
  output?: Uint32Array;
  /**
   * Decides the zero sums of this rank's own slice (`ownSlice`): a 1-bit code of ⌈length/32⌉ words, bit j for value
   * offset + j (e.g. this rank's unquantised sign of c there). Default: the parity rule. Only the owner reads its
   * slice's ties, so every rank still gets the same bits.
   */
  ties?: Uint32Array;
}

function checkBits(bits: unknown): asserts bits is QuantBits {
  if (bits !== 2 && bits !== 4 && bits !== 8) throw new InvalidArgumentError('bits', bits, '2, 4 or 8 bits per value');
}

/**
 * Traffic of one PbitAllreduce.run on `rank`, frame headers included. The vector is cut into slices of
 * u_q = blockLength(⌈d/32⌉, N, q) units of 32 values; slice q is pw_q = p·u_q words of the p-bit code (the
 * last slice ends with the code: ⌈d·p/32⌉ words in all) and u_q words of the 1-bit result. With c the chunk
 * size and H the header size (each alltoallv block is the slice and one flag word):
 *   alltoallv:  sends Σ_{q≠r} (1 + ⌈(4pw_q + 4)/c⌉) messages, Σ_{q≠r} (8 + 4pw_q) payload bytes;
 *               receives (N−1)·(1 + ⌈(4pw_r + 4)/c⌉) messages, (N−1)·(8 + 4pw_r) payload bytes;
 *   allgatherv (pairwise): sends (N−1)·(1 + ⌈4u_r/c⌉) messages, (N−1)·(4 + 4u_r) payload bytes;
 *               receives Σ_{q≠r} (1 + ⌈4u_q/c⌉) messages, Σ_{q≠r} (4 + 4u_q) payload bytes;
 * bytes = payload + H·messages; ≈ (N−1)/N · d·(p+1)/8 for large d. Zero for one rank.
 */
export function pbitAllreduceTraffic(worldSize: number, rank: number, numValues: number, bits: QuantBits, settings: TrafficSettings = {}): WireTraffic {
  checkBits(bits);
  const slices = new UnitSlices(numValues, worldSize);
  const packed = (q: number): number => 4 * slices.packedWordLength(q, bits) + FLAG_BYTES;
  return addTraffic(
    alltoallvTraffic(worldSize, rank, 4, packed, () => packed(rank), settings),
    allgathervPairwiseTraffic(worldSize, rank, 4, (q) => 4 * slices.unitCount(q), settings),
  );
}

/**
 * The p-bit allreduce of docs/algorithms.md ("Compressed collectives"): every rank passes its p-bit quantised
 * code of d values (p ∈ {2, 4, 8}, ⌈d·p/32⌉ words, docs/wire-format.md) and gets the 1-bit sign code of
 * Σ_ranks q, the same bits on every rank: bit 1 iff the exact integer sum is negative, a zero sum (all
 * abstained, or a tie) takes the parity rule at `step`.
 *
 * Protocol: slices of whole 32-value units (UnitSlices), so slice q is p·u_q words of the p-bit code and u_q
 * words of the 1-bit code; alltoallv sends p-bit slice q to rank q followed by one word flagging whether this
 * rank's gradient was finite (FlaggedSlices); rank r sums its N slices exactly in
 * 32-bit integers and codes the sign (signOfSumPacked; the slice starts at an even value, so the parity rule
 * holds; with `ties` the owner's own code decides zero sums instead); allgatherv of the 1-bit slices assembles the result. No overflow limit below N = ⌊(2^31−1)/2^(p−1)⌋,
 * so the levels stay s = 2^(p−1) − 1 whatever N is. Block lengths are passed to both calls: ranks with
 * different word counts (d or p) fail with a MismatchError on every rank.
 *
 * Construct once per (group, numValues, bits); all buffers are allocated here. N = 1 sends nothing: the
 * result is the sign code of the rank's own values.
 */
export class PbitAllreduce extends CompressedCollective {
  /** Words of the p-bit input code, ⌈d·p/32⌉. */
  readonly packedWords: number;
  /** Words of the 1-bit result, ⌈d/32⌉. */
  readonly words: number;
  private readonly slices: UnitSlices;
  private readonly minePacked: number;
  private readonly mineWords: number;
  private readonly mineValues: number;
  private readonly send: FlaggedSlices;
  /** The allgatherv's result in ordinary memory, this rank's voted slice written in place. */
  private readonly gathered: GatheredSignCode;
  private readonly stacked: KernelRegion;
  private readonly ties: KernelRegion;
  private readonly sign: KernelRegion;
  private readonly output: KernelRegion;

  /** Throws InvalidArgumentError for bad numValues or bits, or a world size the int32 sum could overflow at. */
  constructor(group: ProcessGroup, numValues: number, readonly bits: QuantBits) {
    super(group, numValues, 'PbitAllreduce');
    checkBits(bits);
    const maxRanks = maxSummableVectors(bits);
    if (this.worldSize > maxRanks) {
      throw new InvalidArgumentError('group.worldSize', this.worldSize, `at most ${maxRanks} ranks for ${bits}-bit codes (the int32 sum must not overflow)`);
    }
    const n = this.worldSize;
    this.packedWords = packedWordCount(numValues, bits);
    this.words = signCodeWords(numValues);
    this.slices = new UnitSlices(numValues, n);
    this.minePacked = this.slices.packedWordLength(this.rank, bits);
    this.mineWords = this.slices.unitCount(this.rank);
    this.mineValues = this.slices.valueCount(this.rank);
    this.send = new FlaggedSlices(n, this.rank, (q) => this.slices.packedWordStart(q, bits), (q) => this.slices.packedWordLength(q, bits));
    this.gathered = new GatheredSignCode(this.slices, this.rank);
    this.stacked = this.allocRegion(4 * n * this.minePacked);
    this.ties = this.allocRegion(4 * this.mineWords);
    this.sign = this.allocRegion(4 * this.mineWords);
    this.output = this.allocRegion(4 * this.words);
  }

  /** The values whose sum this rank computes (a whole number of 32-value units): where `ties` applies. */
  get ownSlice(): { offset: number; length: number } {
    return { offset: this.slices.valueStart(this.rank), length: this.mineValues };
  }

  /** Predicted traffic of one run on this rank (see pbitAllreduceTraffic). */
  predictTraffic(settings: TrafficSettings = {}): WireTraffic {
    return pbitAllreduceTraffic(this.worldSize, this.rank, this.numValues, this.bits, settings);
  }

  /**
   * Resolves to the 1-bit sign code of the sum: `options.output` when given (⌈d/32⌉ words, written at the
   * end), otherwise a view of this instance's kernel buffer, valid until the next run, dispose(), or a grow
   * of the kernel memory. `code` is copied at the start.
   * Throws (rejects with) InvalidArgumentError for a wrong code/output length or step before sending anything;
   * CollectiveStateError while another run is in flight; the group's CommError on failures.
   */
  run(code: Uint32Array, step: number, options: PbitAllreduceRunOptions = {}): Promise<Uint32Array> {
    return this.runAgreeing(code, step, true, options).then((agreed) => agreed.code);
  }

  /**
   * run(), also agreeing on finiteness: `finite` is this rank's flag, and the result's `allFinite` is true on every
   * rank exactly when every rank passed true (the flag rides in the alltoallv's blocks: 4 bytes per block, no
   * extra message). Throws as run().
   */
  runAgreeing(code: Uint32Array, step: number, finite: boolean, options: PbitAllreduceRunOptions = {}): Promise<AgreedCode> {
    try {
      this.checkArray('code', code, Uint32Array, this.packedWords, `⌈${this.numValues}·${this.bits}/32⌉ words of the ${this.bits}-bit code`);
      checkStep(step);
      if (options.output !== undefined) this.checkArray('output', options.output, Uint32Array, this.words, 'words of the 1-bit sign code');
      if (options.ties !== undefined) this.checkArray('ties', options.ties, Uint32Array, this.mineWords, 'words of the 1-bit tie code of this rank\'s own slice');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive(async (phase) => {
      const n = this.worldSize;
      // Copied now, like `code`: the caller may reuse its buffer while the run is in flight.
      const hasTies = options.ties !== undefined;
      if (options.ties !== undefined) this.ties.u32().set(options.ties);
      if (n === 1) {
        this.stacked.u32().set(code);
        const out = options.output ?? this.output.u32();
        signOfSumPacked(this.stacked.u32(), 1, this.packedWords, this.bits, this.numValues, out, step, hasTies ? this.ties.u32() : undefined);
        return { code: out, allFinite: finite };
      }
      this.send.fill(code, finite);
      const received = await phase('alltoallv', this.group.alltoallv(this.send.sendBlocks, {
        dtype: 'uint32', recvByteLengths: this.send.recvByteLengths, into: this.send.recvBlocks, timeoutMs: options.timeoutMs,
      }));
      const allFinite = this.send.stack(received, this.stacked.u8());
      const sign = this.sign.u32();
      signOfSumPacked(this.stacked.u32(), n, this.minePacked, this.bits, this.mineValues, sign, step, hasTies ? this.ties.u32() : undefined);
      this.gathered.own.set(sign);
      await phase('allgatherv', this.group.allgatherv(this.gathered.ownBytes, {
        dtype: 'uint32', byteLengths: this.gathered.byteLengths, into: this.gathered.into, timeoutMs: options.timeoutMs, algorithm: 'pairwise',
      }));
      const out = options.output ?? this.output.u32();
      out.set(this.gathered.words);
      return { code: out, allFinite };
    });
  }
}
