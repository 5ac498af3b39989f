// The paper's p-bit variant, kept as a baseline: int8 sum-allreduce of quantised votes with s = ⌊127/N⌋, then sign.

import { DEFAULT_CHUNK_BYTES } from '../../comm/collectives/context.js';
import { blockLength, mod } from '../../comm/collectives/partition.js';
import { DEFAULT_SMALL_MESSAGE_BYTES, type ProcessGroup } from '../../comm/process-group.js';
import { FRAME_HEADER_BYTES } from '../../comm/transport/frame.js';
import { int8Levels, signCodeWords, signOfInt8Sum } from '../../codec/index.js';
import { checkStep, InvalidArgumentError } from '../../errors.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { CompressedCollective, type RunOptions } from './compressed-collective.js';
import { zeroTraffic, type TrafficSettings, type WireTraffic } from './traffic.js';

/** Options of Int8Ring.run. */
export interface Int8RingRunOptions extends RunOptions {
  /** Receives the 1-bit sign code of the sum (⌈d/32⌉ words); default: a kernel-memory buffer of the instance. */
  output?: Uint32Array;
}

/** Largest group the int8 sum serves: s = ⌊127/N⌋ levels would be 0 beyond. */
export const INT8_RING_MAX_WORLD_SIZE = 127;

/** The group settings that pick its allreduce algorithm; they must equal the ProcessGroup's options. */
export interface Int8RingTrafficSettings extends TrafficSettings {
  /** ProcessGroupOptions.allreduceAlgorithm. Default 'auto'. */
  allreduceAlgorithm?: 'auto' | 'ring' | 'recursive-doubling';
  /** ProcessGroupOptions.smallMessageBytes. Default 64 KiB. */
  smallMessageBytes?: number;
}

/**
 * Traffic of one Int8Ring.run on `rank`: one ProcessGroup int8 allreduce of d bytes. With blocks
 * B_b = blockLength(d, N, b) bytes and m(x) = ⌈x/c⌉ messages of at most c = chunkBytes bytes:
 * - ring (the group's choice above smallMessageBytes, or forced): sends Σ_{b≠r} B_b + Σ_{b≠r+1} B_b payload
 *   bytes in Σ_{b≠r} m(B_b) + Σ_{b≠r+1} m(B_b) messages, receives the same sums over b ≠ r−1 and b ≠ r;
 *   2(N−1)/N · d bytes when N divides d;
 * - recursive doubling (d ≤ smallMessageBytes under 'auto'): P = 2^⌊log2 N⌋, E = N − P; an even rank
 *   r < 2E sends and receives d bytes once, every other rank log2 P times (+1 for odd r < 2E), each in m(d)
 *   messages.
 * Bytes = payload + H·messages. Zero for one rank or d = 0.
 */
export function int8RingTraffic(worldSize: number, rank: number, numValues: number, settings: Int8RingTrafficSettings = {}): WireTraffic {
  const n = worldSize;
  const d = numValues;
  const c = Math.max(1, settings.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const h = settings.headerBytes ?? FRAME_HEADER_BYTES;
  const t = zeroTraffic();
  if (n === 1 || d === 0) return t;
  const add = (sent: boolean, bytes: number, times = 1): void => {
    const messages = Math.ceil(bytes / c) * times;
    if (sent) { t.messagesSent += messages; t.bytesSent += bytes * times + h * messages; }
    else { t.messagesReceived += messages; t.bytesReceived += bytes * times + h * messages; }
  };
  const algorithm = settings.allreduceAlgorithm ?? 'auto';
  const ring = algorithm === 'ring' || (algorithm === 'auto' && d > (settings.smallMessageBytes ?? DEFAULT_SMALL_MESSAGE_BYTES));
  if (ring) {
    for (let b = 0; b < n; b++) {
      const bytes = blockLength(d, n, b);
      if (b !== rank) add(true, bytes);
      if (b !== mod(rank + 1, n)) add(true, bytes);
      if (b !== mod(rank - 1, n)) add(false, bytes);
      if (b !== rank) add(false, bytes);
    }
    return t;
  }
  const p = 2 ** Math.floor(Math.log2(n));
  const extra = n - p;
  const exchanges = rank < 2 * extra && rank % 2 === 0 ? 1 : Math.log2(p) + (rank < 2 * extra ? 1 : 0);
  add(true, d, exchanges);
  add(false, d, exchanges);
  return t;
}

/**
 * The int8 variant of the Lion Cub paper (docs/algorithms.md, "Compressed collectives"), a baseline for the
 * p-bit allreduce: every rank passes its quantised values q as an Int8Array (one value per byte, |q| ≤ s with
 * s = int8Levels(N) = ⌊127/N⌋, so the sum cannot leave int8), the group sums them with its int8 allreduce
 * (ring for large d), and every rank codes the sign of the sum as a 1-bit code (zero sums by the parity rule
 * at `step`). The result is identical on every rank because the integer sum is. N ≤ 127: beyond, ⌊127/N⌋ = 0.
 *
 * Construct once per (group, numValues); buffers are allocated here. N = 1 sends nothing.
 */
export class Int8Ring extends CompressedCollective {
  /** s = ⌊127/N⌋, the largest |q| a rank may send. */
  readonly levels: number;
  /** Words of the 1-bit result, ⌈d/32⌉. */
  readonly words: number;
  /** The array the allreduce sums in place (ordinary memory, see CompressedCollective). */
  private readonly sums: Int8Array;
  private readonly kernelSums: KernelRegion;
  private readonly output: KernelRegion;

  /** Throws InvalidArgumentError for a bad numValues or a world size above 127. */
  constructor(group: ProcessGroup, numValues: number) {
    super(group, numValues, 'Int8Ring');
    if (this.worldSize > INT8_RING_MAX_WORLD_SIZE) {
      throw new InvalidArgumentError('group.worldSize', this.worldSize,
        'at most 127 ranks for the int8 sum (s = ⌊127/N⌋ would be 0 levels): use PbitAllreduce, which has no such limit');
    }
    this.levels = int8Levels(this.worldSize);
    this.words = signCodeWords(numValues);
    this.sums = new Int8Array(numValues);
    this.kernelSums = this.allocRegion(numValues);
    this.output = this.allocRegion(4 * this.words);
  }

  /** Predicted traffic of one run on this rank (see int8RingTraffic); settings must match the group's options. */
  predictTraffic(settings: Int8RingTrafficSettings = {}): WireTraffic {
    return int8RingTraffic(this.worldSize, this.rank, this.numValues, settings);
  }

  /**
   * Resolves to the 1-bit sign code of Σ_ranks q: `options.output` when given (⌈d/32⌉ words), otherwise a view
   * of this instance's kernel buffer, valid until the next run, dispose(), or a grow of the kernel memory.
   * `q` is copied at the start. Throws (rejects with) InvalidArgumentError, before sending anything, for a
   * wrong length, a bad step, or a value outside [−s, s] (it could overflow the int8 sum on some rank);
   * CollectiveStateError while another run is in flight; the group's CommError on failures.
   */
  run(q: Int8Array, step: number, options: Int8RingRunOptions = {}): Promise<Uint32Array> {
    try {
      this.checkArray('q', q, Int8Array, this.numValues, 'one quantised value per byte');
      checkStep(step);
      if (options.output !== undefined) this.checkArray('output', options.output, Uint32Array, this.words, 'words of the 1-bit sign code');
      this.checkLevels(q);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive(async (phase) => {
      this.sums.set(q);
      if (this.worldSize > 1) {
        await phase('allreduce', this.group.allreduce(this.sums, { op: 'sum', dtype: 'int8', timeoutMs: options.timeoutMs }));
      }
      const kernelSums = this.kernelSums.i8();
      kernelSums.set(this.sums);
      const out = options.output ?? this.output.u32();
      signOfInt8Sum(kernelSums, out, step);
      return out;
    });
  }

  private checkLevels(q: Int8Array): void {
    const s = this.levels;
    for (let i = 0; i < q.length; i++) {
      const v = q[i];
      if (v > s || v < -s) {
        throw new InvalidArgumentError(`q[${i}]`, v, `a value in [−${s}, ${s}] (s = ⌊127/N⌋ for N = ${this.worldSize}; quantise with levels int8Levels(N))`);
      }
    }
  }
}
