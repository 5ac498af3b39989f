// Baseline majority vote as the public Distributed Lion code does it: allgather every rank's whole code, vote locally.

import type { ProcessGroup } from '../../comm/process-group.js';
import { MAX_VOTE_VECTORS, signCodeWords, voteSigns } from '../../codec/index.js';
import { InvalidArgumentError } from '../../errors.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { CompressedCollective, placeBlocks, wordBytes, type RunOptions } from './compressed-collective.js';
import { allgathervTraffic, type TrafficSettings, type WireTraffic } from './traffic.js';

/** Options of VoteAllgather.run. */
export interface VoteAllgatherRunOptions extends RunOptions {
  /** Receives the voted code (⌈d/32⌉ words); default: a kernel-memory buffer of the instance. */
  output?: Uint32Array;
}

/**
 * Traffic of one VoteAllgather.run on any rank: an allgatherv of N blocks of 4W bytes (W = ⌈d/32⌉), of which
 * each rank sends and receives N−1, each as a length frame and ⌈4W/c⌉ chunks:
 * (N−1)·(1 + ⌈4W/c⌉) messages and (N−1)·(4 + 4W) payload bytes each way, plus H per message;
 * ≈ (N−1) · d/8, growing linearly with N. Zero for one rank.
 */
export function voteAllgatherTraffic(worldSize: number, rank: number, numValues: number, settings: TrafficSettings = {}): WireTraffic {
  const blockBytes = 4 * signCodeWords(numValues);
  return allgathervTraffic(worldSize, rank, 4, () => blockBytes, settings);
}

/**
 * The majority vote of every rank's 1-bit sign code (same result and tie rule as VoteAllreduce) computed the
 * way the public Distributed Lion code does: allgatherv of the whole codes, then every rank votes on all N
 * codes itself. Kept as a baseline: its traffic grows linearly with N (docs/algorithms.md, "Compressed
 * collectives"). The result is identical on every rank because each votes on the same N codes.
 *
 * Construct once per (group, numValues); buffers are allocated here. 1 ≤ N ≤ 4095; N = 1 sends nothing.
 */
export class VoteAllgather extends CompressedCollective {
  /** W, words of the 1-bit code. */
  readonly words: number;
  private readonly sendWords: Uint32Array;
  private readonly byteLengths: number[];
  private readonly stacked: KernelRegion;
  private readonly output: KernelRegion;

  /** Throws InvalidArgumentError for a bad numValues or a world size above 4095. */
  constructor(group: ProcessGroup, numValues: number) {
    super(group, numValues, 'VoteAllgather');
    if (this.worldSize > MAX_VOTE_VECTORS) {
      throw new InvalidArgumentError('group.worldSize', this.worldSize, `at most ${MAX_VOTE_VECTORS} ranks (the vote's counter width)`);
    }
    this.words = signCodeWords(numValues);
    this.sendWords = new Uint32Array(this.words);
    this.byteLengths = new Array<number>(this.worldSize).fill(4 * this.words);
    this.stacked = this.allocRegion(4 * this.worldSize * this.words);
    this.output = this.allocRegion(4 * this.words);
  }

  /** Predicted traffic of one run on this rank (see voteAllgatherTraffic). */
  predictTraffic(settings: TrafficSettings = {}): WireTraffic {
    return voteAllgatherTraffic(this.worldSize, this.rank, this.numValues, settings);
  }

  /**
   * Resolves to the voted code: `options.output` when given (W words), otherwise a view of this instance's
   * kernel buffer, valid until the next run, dispose(), or a grow of the kernel memory. `code` is copied at
   * the start. Throws (rejects with) InvalidArgumentError before sending anything for a wrong length or step;
   * CollectiveStateError while another run is in flight; the group's CommError on failures (a rank whose W
   * differs makes every rank fail with a MismatchError).
   */
  run(code: Uint32Array, step: number, options: VoteAllgatherRunOptions = {}): Promise<Uint32Array> {
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
        return out;
      }
      this.sendWords.set(code);
      const gathered = await phase('allgatherv', this.group.allgatherv(wordBytes(this.sendWords, 0, this.words), {
        dtype: 'uint32', byteLengths: this.byteLengths, timeoutMs: options.timeoutMs,
      }));
      placeBlocks(this.stacked.u8(), gathered, (q) => 4 * q * this.words);
      const out = options.output ?? this.output.u32();
      voteSigns(this.stacked.u32(), n, this.words, out, step);
      return out;
    });
  }
}
