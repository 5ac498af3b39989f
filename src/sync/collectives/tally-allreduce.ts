// Vote tallies for Distributed Lion's "average of signs": alltoall of 1-bit slices, tally per slice, allgather of tallies.

import type { ProcessGroup } from '../../comm/process-group.js';
import { MAX_VOTE_VECTORS, signCodeWords, tallySigns } from '../../codec/index.js';
import { InvalidArgumentError } from '../../errors.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { CompressedCollective, placeBlocks, wordBytes, type RunOptions } from './compressed-collective.js';
import { addTraffic, allgathervPairwiseTraffic, alltoallvTraffic, type TrafficSettings, type WireTraffic } from './traffic.js';
import { UnitSlices } from './unit-slices.js';

/** Tallies of TallyAllreduce: int8 for N ≤ 127, int16 above. */
export type TallyArray = Int8Array | Int16Array;

/** Options of TallyAllreduce.run. */
export interface TallyAllreduceRunOptions extends RunOptions {
  /** Receives the d tallies (an Int8Array when N ≤ 127, else Int16Array); default: a buffer of the instance. */
  output?: TallyArray;
}

/** Bytes per tally on the wire: the smallest integer width that holds every t ∈ [−N, N]. */
export function tallyBytes(worldSize: number): 1 | 2 {
  return worldSize <= 127 ? 1 : 2;
}

/**
 * Traffic of one TallyAllreduce.run on `rank`, frame headers included. Slices of u_q = blockLength(⌈d/32⌉, N, q)
 * words of the 1-bit code hold v_q values (32 per word, the last slice ending at d); a tally takes E =
 * tallyBytes(N) bytes. With c the chunk size (rounded down to whole elements) and H the header size:
 *   alltoallv:  sends Σ_{q≠r} (1 + ⌈4u_q/c⌉) messages, Σ_{q≠r} (4 + 4u_q) payload bytes;
 *               receives (N−1)·(1 + ⌈4u_r/c⌉) messages, (N−1)·(4 + 4u_r) payload bytes;
 *   allgatherv (pairwise): sends (N−1)·(1 + ⌈E·v_r/c⌉) messages, (N−1)·(4 + E·v_r) payload bytes;
 *               receives Σ_{q≠r} (1 + ⌈E·v_q/c⌉) messages, Σ_{q≠r} (4 + E·v_q) payload bytes;
 * bytes = payload + H·messages; ≈ (N−1)/N · (d/8 + E·d). Zero for one rank.
 */
export function tallyAllreduceTraffic(worldSize: number, rank: number, numValues: number, settings: TrafficSettings = {}): WireTraffic {
  const slices = new UnitSlices(numValues, worldSize);
  const width = tallyBytes(worldSize);
  const words = (q: number): number => 4 * slices.unitCount(q);
  return addTraffic(
    alltoallvTraffic(worldSize, rank, 4, words, () => words(rank), settings),
    allgathervPairwiseTraffic(worldSize, rank, width, (q) => width * slices.valueCount(q), settings),
  );
}

/**
 * The tally of every rank's 1-bit sign code, t_i = N − 2·k_i ∈ [−N, N] (k_i = ranks voting −1 for value i),
 * identical on every rank; the average-of-signs strategy applies t_i / N. Needs no step: a tally has no ties.
 *
 * Protocol: as VoteAllreduce up to the slice (alltoallv of 1-bit word slices, UnitSlices); rank r tallies its
 * N copies (tallySigns), narrows the int32 tallies to the smallest exact width (int8 for N ≤ 127, else int16)
 * and allgatherv assembles the d tallies. Block lengths are passed to both calls, so ranks with different d
 * (down to one value, through the tally blocks) fail with a MismatchError on every rank.
 *
 * Construct once per (group, numValues); buffers are allocated here. 1 ≤ N ≤ 4095 (the tally kernel's
 * counter width); N = 1 sends nothing and returns ±1 per value.
 */
export class TallyAllreduce extends CompressedCollective {
  /** W, words of the 1-bit input code. */
  readonly words: number;
  /** Bytes per tally: 1 (Int8Array) for N ≤ 127, 2 (Int16Array) above. */
  readonly tallyBytes: 1 | 2;
  private readonly slices: UnitSlices;
  private readonly mineWords: number;
  private readonly mineValues: number;
  private readonly sendWords: Uint32Array;
  private readonly sendBlocks: Uint8Array[];
  private readonly recvByteLengths: number[];
  private readonly tallyByteLengths: number[];
  private readonly narrowed: TallyArray;
  private readonly stacked: KernelRegion;
  private readonly tallies: KernelRegion;
  private readonly output: KernelRegion;

  /** Throws InvalidArgumentError for a bad numValues or a world size above 4095. */
  constructor(group: ProcessGroup, numValues: number) {
    super(group, numValues, 'TallyAllreduce');
    if (this.worldSize > MAX_VOTE_VECTORS) {
      throw new InvalidArgumentError('group.worldSize', this.worldSize, `at most ${MAX_VOTE_VECTORS} ranks (the tally's counter width)`);
    }
    const n = this.worldSize;
    this.words = signCodeWords(numValues);
    this.tallyBytes = tallyBytes(n);
    this.slices = new UnitSlices(numValues, n);
    this.mineWords = this.slices.unitCount(this.rank);
    this.mineValues = this.slices.valueCount(this.rank);
    this.sendWords = new Uint32Array(this.words);
    this.sendBlocks = Array.from({ length: n }, (_, q) => wordBytes(this.sendWords, this.slices.unitStart(q), this.slices.unitCount(q)));
    this.recvByteLengths = new Array<number>(n).fill(4 * this.mineWords);
    this.tallyByteLengths = Array.from({ length: n }, (_, q) => this.tallyBytes * this.slices.valueCount(q));
    this.narrowed = this.tallyBytes === 1 ? new Int8Array(this.mineValues) : new Int16Array(this.mineValues);
    this.stacked = this.allocRegion(4 * n * this.mineWords);
    this.tallies = this.allocRegion(4 * this.mineValues);
    this.output = this.allocRegion(this.tallyBytes * numValues);
  }

  /** Predicted traffic of one run on this rank (see tallyAllreduceTraffic). */
  predictTraffic(settings: TrafficSettings = {}): WireTraffic {
    return tallyAllreduceTraffic(this.worldSize, this.rank, this.numValues, settings);
  }

  /**
   * Resolves to the d tallies: `options.output` when given (Int8Array or Int16Array per tallyBytes, d entries),
   * otherwise a view of this instance's kernel buffer, valid until the next run, dispose(), or a grow of the
   * kernel memory. `code` is copied at the start. Throws (rejects with) InvalidArgumentError before sending
   * anything for a wrong length or output type; CollectiveStateError while another run is in flight; the
   * group's CommError on failures.
   */
  run(code: Uint32Array, options: TallyAllreduceRunOptions = {}): Promise<TallyArray> {
    const outputKind = this.tallyBytes === 1 ? Int8Array : Int16Array;
    try {
      this.checkArray('code', code, Uint32Array, this.words, `⌈${this.numValues}/32⌉ words of the 1-bit code`);
      if (options.output !== undefined) this.checkArray('output', options.output, outputKind, this.numValues, `one tally per value for N = ${this.worldSize}`);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive(async (phase) => {
      const n = this.worldSize;
      if (n === 1) {
        this.stacked.u8().set(wordBytes(code, 0, code.length));
        return this.tallyInto(options.output ?? this.ownOutput());
      }
      this.sendWords.set(code);
      const received = await phase('alltoallv', this.group.alltoallv(this.sendBlocks, {
        dtype: 'uint32', recvByteLengths: this.recvByteLengths, timeoutMs: options.timeoutMs,
      }));
      placeBlocks(this.stacked.u8(), received, (q) => 4 * q * this.mineWords);
      this.tallyInto(this.narrowed);
      const narrowedBytes = new Uint8Array(this.narrowed.buffer, this.narrowed.byteOffset, this.narrowed.byteLength);
      const gathered = await phase('allgatherv', this.group.allgatherv(narrowedBytes, {
        dtype: this.tallyBytes === 1 ? 'int8' : 'int16', byteLengths: this.tallyByteLengths, timeoutMs: options.timeoutMs, algorithm: 'pairwise',
      }));
      const out = options.output ?? this.ownOutput();
      placeBlocks(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), gathered, (q) => this.tallyBytes * this.slices.valueStart(q));
      return out;
    });
  }

  /** Tallies the stacked slice copies and narrows them into `dst` (every t fits: |t| ≤ N). */
  private tallyInto<T extends TallyArray>(dst: T): T {
    const tallies = this.tallies.i32();
    tallySigns(this.stacked.u32(), this.worldSize, this.mineWords, this.mineValues, tallies);
    dst.set(tallies);
    return dst;
  }

  private ownOutput(): TallyArray {
    const bytes = this.output.u8();
    return this.tallyBytes === 1 ? this.output.i8() : new Int16Array(bytes.buffer, bytes.byteOffset, this.numValues);
  }
}
