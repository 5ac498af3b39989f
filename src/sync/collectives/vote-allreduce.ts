// 1-bit allreduce: majority vote of every rank's sign code by alltoall of slices, a vote per slice, allgather.

import type { ProcessGroup } from '../../comm/process-group.js';
import { MAX_VOTE_VECTORS, signCodeWords, voteSigns } from '../../codec/index.js';
import { InvalidArgumentError } from '../../errors.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { CompressedCollective, type AgreedCode, type RunOptions } from './compressed-collective.js';
import { FLAG_BYTES, FlaggedSlices } from './flagged-slices.js';
import { GatheredSignCode } from './gathered-sign-code.js';
import { addTraffic, allgathervPairwiseTraffic, alltoallvTraffic, type TrafficSettings, type WireTraffic } from './traffic.js';
import { UnitSlices } from './unit-slices.js';

/** Options of VoteAllreduce.run. */
export interface VoteAllreduceRunOptions extends RunOptions {
  /** Receives the voted code (W words); default: a kernel-memory buffer owned by the instance (see run). */
  output?: Uint32Array;
}

/**
 * Traffic of one VoteAllreduce.run on `rank`, frame headers included. With W = ⌈d/32⌉ words split into N
 * slices of w_q = blockLength(W, N, q) words, c the chunk size and H the header size (each alltoallv block is
 * the slice and one flag word):
 *   alltoallv:  sends  Σ_{q≠r} (1 + ⌈(4w_q + 4)/c⌉) messages, Σ_{q≠r} (8 + 4w_q) payload bytes;
 *               receives (N−1)·(1 + ⌈(4w_r + 4)/c⌉) messages, (N−1)·(8 + 4w_r) payload bytes;
 *   allgatherv (pairwise): sends (N−1)·(1 + ⌈4w_r/c⌉) messages, (N−1)·(4 + 4w_r) payload bytes;
 *               receives Σ_{q≠r} (1 + ⌈4w_q/c⌉) messages, Σ_{q≠r} (4 + 4w_q) payload bytes;
 * bytes = payload + H·messages. When N divides W and a slice fits one chunk: 2(N−1)·(4W/N + 6 + 2H) bytes
 * sent, ≈ 2(N−1)/N · d/8. Zero for one rank.
 */
export function voteAllreduceTraffic(worldSize: number, rank: number, numValues: number, settings: TrafficSettings = {}): WireTraffic {
  const slices = new UnitSlices(numValues, worldSize);
  const words = (q: number): number => 4 * slices.unitCount(q);
  const flagged = (q: number): number => words(q) + FLAG_BYTES;
  return addTraffic(
    alltoallvTraffic(worldSize, rank, 4, flagged, () => flagged(rank), settings),
    allgathervPairwiseTraffic(worldSize, rank, 4, words, settings),
  );
}

/**
 * The 1-bit allreduce of docs/algorithms.md ("Compressed collectives"): every rank passes its 1-bit sign code
 * of d values (W = ⌈d/32⌉ words, docs/wire-format.md) and gets the majority vote of all N codes, bit for bit
 * the same on every rank: bit 1 iff more than half of the codes have bit 1, a tie (even N) takes the parity
 * rule at `step`.
 *
 * Protocol: the W words are cut into N contiguous slices (UnitSlices); alltoallv sends slice q to rank q,
 * followed by one word flagging whether this rank's gradient was finite (FlaggedSlices), so every rank receives
 * every rank's flag; rank r stacks the N copies of its slice [N × w_r words] and votes on them (voteSigns: a
 * slice starting on a word boundary votes like the whole code); allgatherv of the voted slices assembles the
 * W-word result.
 * Block lengths are passed to both calls, so a rank whose W differs fails the run with a MismatchError on
 * some rank and every rank then fails (the group is poisoned). A d that differs within the same W is not
 * detected here (the init fingerprint's parameter count is).
 *
 * Construct once per (group, numValues); all buffers are allocated here. Every rank must call run() with the
 * same numValues and step, in the same order relative to its other group calls. 1 ≤ N ≤ 4095 (the vote's
 * counter width); N = 1 sends nothing and returns a copy of the input (the vote of one code).
 */
export class VoteAllreduce extends CompressedCollective {
  /** W, words of the 1-bit code. */
  readonly words: number;
  private readonly slices: UnitSlices;
  private readonly mine: number;
  /** Copy of the input and flag the alltoallv sends from (ordinary memory, see CompressedCollective). */
  private readonly send: FlaggedSlices;
  /** The allgatherv's result in ordinary memory, this rank's voted slice written in place. */
  private readonly gathered: GatheredSignCode;
  private readonly stacked: KernelRegion;
  private readonly voted: KernelRegion;
  private readonly output: KernelRegion;

  /** Throws InvalidArgumentError for a bad numValues or a world size above 4095. */
  constructor(group: ProcessGroup, numValues: number) {
    super(group, numValues, 'VoteAllreduce');
    if (this.worldSize > MAX_VOTE_VECTORS) {
      throw new InvalidArgumentError('group.worldSize', this.worldSize, `at most ${MAX_VOTE_VECTORS} ranks (the vote's counter width)`);
    }
    this.words = signCodeWords(numValues);
    this.slices = new UnitSlices(numValues, this.worldSize);
    const n = this.worldSize;
    this.mine = this.slices.unitCount(this.rank);
    this.send = new FlaggedSlices(n, this.rank, (q) => this.slices.unitStart(q), (q) => this.slices.unitCount(q));
    this.gathered = new GatheredSignCode(this.slices, this.rank);
    this.stacked = this.allocRegion(4 * n * this.mine);
    this.voted = this.allocRegion(4 * this.mine);
    this.output = this.allocRegion(4 * this.words);
  }

  /** Predicted traffic of one run on this rank (see voteAllreduceTraffic). */
  predictTraffic(settings: TrafficSettings = {}): WireTraffic {
    return voteAllreduceTraffic(this.worldSize, this.rank, this.numValues, settings);
  }

  /**
   * Resolves to the voted W-word code: `options.output` when given (any Uint32Array of W words, written
   * once the last message arrived; it may be `code` itself), otherwise a view of this instance's kernel
   * buffer, valid until the next run, dispose(), or a grow of the kernel memory. `code` is copied at the
   * start and may be reused as soon as run() returns its Promise.
   * Throws (rejects with) InvalidArgumentError for a wrong code/output length or step before sending
   * anything; CollectiveStateError while another run is in flight; the group's CommError on failures.
   */
  run(code: Uint32Array, step: number, options: VoteAllreduceRunOptions = {}): Promise<Uint32Array> {
    return this.runAgreeing(code, step, true, options).then((agreed) => agreed.code);
  }

  /**
   * run(), also agreeing on finiteness: `finite` is this rank's flag (was its gradient finite?), and the result's
   * `allFinite` is true on every rank exactly when every rank passed true. The flag rides in the alltoallv's
   * blocks, so this costs 4 bytes per block and no extra message. Throws as run().
   */
  runAgreeing(code: Uint32Array, step: number, finite: boolean, options: VoteAllreduceRunOptions = {}): Promise<AgreedCode> {
    try {
      this.checkSignCodeArgs(code, this.words, step, options.output);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive(async (phase) => {
      const n = this.worldSize;
      if (n === 1) {
        const out = options.output ?? this.output.u32();
        out.set(code);
        return { code: out, allFinite: finite };
      }
      this.send.fill(code, finite);
      const received = await phase('alltoallv', this.group.alltoallv(this.send.sendBlocks, {
        dtype: 'uint32', recvByteLengths: this.send.recvByteLengths, into: this.send.recvBlocks, timeoutMs: options.timeoutMs,
      }));
      const allFinite = this.send.stack(received, this.stacked.u8());
      const voted = this.voted.u32();
      voteSigns(this.stacked.u32(), n, this.mine, voted, step);
      this.gathered.own.set(voted);
      await phase('allgatherv', this.group.allgatherv(this.gathered.ownBytes, {
        dtype: 'uint32', byteLengths: this.gathered.byteLengths, into: this.gathered.into, timeoutMs: options.timeoutMs, algorithm: 'pairwise',
      }));
      const out = options.output ?? this.output.u32();
      out.set(this.gathered.words);
      return { code: out, allFinite };
    });
  }
}
