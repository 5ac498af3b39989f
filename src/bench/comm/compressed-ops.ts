// The compressed collectives `lion-cub bench comm` measures: names, rank limits, input code sizes and bus bytes.

import { MAX_VOTE_VECTORS, maxSummableVectors, packedWordCount, signCodeWords, type QuantBits } from '../../codec/index.js';
import type { ProcessGroup } from '../../comm/process-group.js';
import {
  Int8Ring, PbitAllreduce, tallyBytes, TallyAllreduce, VoteAllgather, VoteAllreduce,
  type MeasuredTraffic, type WireTraffic,
} from '../../sync/collectives/index.js';

export const COMPRESSED_OPS = ['vote-allreduce', 'pbit-allreduce', 'int8-ring', 'vote-allgather', 'tally-allreduce'] as const;
export type CompressedOp = (typeof COMPRESSED_OPS)[number];

export function isCompressedOp(op: string): op is CompressedOp {
  return (COMPRESSED_OPS as readonly string[]).includes(op);
}

/** The code each rank feeds the op: 1-bit sign code, p-bit quantised code, or int8 levels (one per byte). */
export type InputKind = 'sign' | 'pbit' | 'int8';

export function inputKind(op: CompressedOp): InputKind {
  if (op === 'pbit-allreduce') return 'pbit';
  if (op === 'int8-ring') return 'int8';
  return 'sign';
}

/** The largest world size `op` accepts (the counters of the vote, the int32 p-bit sum, s = ⌊127/N⌋ ≥ 1 for int8). */
export function maxWorldSize(op: CompressedOp, bits: QuantBits): number {
  if (op === 'pbit-allreduce') return maxSummableVectors(bits);
  if (op === 'int8-ring') return 127;
  return MAX_VOTE_VECTORS;
}

/** One compressed case: d values on N ranks, p bits for the p-bit op. */
export interface CompressedShape {
  op: CompressedOp;
  worldSize: number;
  /** d, the number of parameters (values of the update vector). */
  numValues: number;
  bits: QuantBits;
  /** Label of the input code in the dtype column: "1-bit", "p-bit" or "int8". */
  dtype: string;
  /** S: bytes of one rank's input code (4⌈d/32⌉, 4⌈dp/32⌉, or d). */
  bytes: number;
  /**
   * Payload bytes a bandwidth-optimal schedule of the op's shape sends per rank, Σ_phases factor · S_phase with
   * the nccl-tests factors of the plain collective each phase is (docs: src/bench/comm/README.md). busbw = busBytes / t.
   */
  busBytes: number;
}

/**
 * Shapes and bus bytes, with W = ⌈d/32⌉ words of the 1-bit code and f = (N−1)/N:
 * - vote-allreduce: an allreduce of the 4W-byte code (reduce-scatter + allgather of 1-bit slices): 2f · 4W;
 * - int8-ring: an allreduce of d bytes: 2f · d;
 * - pbit-allreduce: a reduce-scatter of the 4⌈dp/32⌉-byte p-bit code, then an allgather of the 1-bit result:
 *   f · (4⌈dp/32⌉ + 4W);
 * - tally-allreduce: a reduce-scatter of the 1-bit code, then an allgather of d tallies of E bytes: f · (4W + E·d);
 * - vote-allgather: an allgather of N codes of 4W bytes: f · N · 4W = (N−1) · 4W.
 */
export function compressedShape(op: CompressedOp, numValues: number, worldSize: number, bits: QuantBits): CompressedShape {
  const n = worldSize;
  const f = (n - 1) / n;
  const signBytes = 4 * signCodeWords(numValues);
  let bytes: number;
  let busBytes: number;
  let dtype = '1-bit';
  if (op === 'vote-allreduce') {
    bytes = signBytes;
    busBytes = 2 * f * signBytes;
  } else if (op === 'int8-ring') {
    [bytes, dtype] = [numValues, 'int8'];
    busBytes = 2 * f * numValues;
  } else if (op === 'pbit-allreduce') {
    [bytes, dtype] = [4 * packedWordCount(numValues, bits), `${bits}-bit`];
    busBytes = f * (bytes + signBytes);
  } else if (op === 'tally-allreduce') {
    bytes = signBytes;
    busBytes = f * (signBytes + tallyBytes(n) * numValues);
  } else {
    bytes = signBytes;
    busBytes = f * n * signBytes;
  }
  return { op, worldSize, numValues, bits, dtype, bytes, busBytes };
}

/** A compressed collective behind one call shape: the input code in, the result (1-bit code or tallies) out. */
export interface BenchCollective {
  /** Resolves to the result, a view that stays valid until the next run or dispose (copy it to keep it). */
  run(input: Uint32Array | Int8Array, step: number): Promise<Uint32Array | Int8Array | Int16Array>;
  readonly lastTraffic: MeasuredTraffic | undefined;
  predictTraffic(): WireTraffic;
  dispose(): void;
}

/** Builds the op's collective on `group` (it allocates its buffers here). Throws what its constructor throws. */
export function makeCollective(shape: CompressedShape, group: ProcessGroup): BenchCollective {
  const d = shape.numValues;
  const words = (input: Uint32Array | Int8Array): Uint32Array => input as Uint32Array;
  switch (shape.op) {
    case 'vote-allreduce': {
      const c = new VoteAllreduce(group, d);
      return wrap(c, (input, step) => c.run(words(input), step));
    }
    case 'vote-allgather': {
      const c = new VoteAllgather(group, d);
      return wrap(c, (input, step) => c.run(words(input), step));
    }
    case 'tally-allreduce': {
      const c = new TallyAllreduce(group, d);
      return wrap(c, (input) => c.run(words(input)));
    }
    case 'pbit-allreduce': {
      const c = new PbitAllreduce(group, d, shape.bits);
      return wrap(c, (input, step) => c.run(words(input), step));
    }
    case 'int8-ring': {
      const c = new Int8Ring(group, d);
      return wrap(c, (input, step) => c.run(input as Int8Array, step));
    }
  }
}

interface Instance {
  readonly lastTraffic: MeasuredTraffic | undefined;
  predictTraffic(): WireTraffic;
  dispose(): void;
}

function wrap(instance: Instance, run: BenchCollective['run']): BenchCollective {
  return {
    run,
    get lastTraffic() { return instance.lastTraffic; },
    predictTraffic: () => instance.predictTraffic(),
    dispose: () => instance.dispose(),
  };
}
