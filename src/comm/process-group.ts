// The front end training code sees: rank, world size, collectives as Promises run one at a time, timeouts, failures.

import { InvalidArgumentError } from '../errors.js';
import { DTYPE_BYTES, type DType } from './codes.js';
import { CollectiveRunner, type CollectiveBody, type CollectiveName, type OpStats, type OpTotals, type StallReport } from './collective-runner.js';
import { allgatherRing } from './collectives/allgather-ring.js';
import { allgathervRing } from './collectives/allgatherv-ring.js';
import { allreduceRecursiveDoubling } from './collectives/allreduce-recursive-doubling.js';
import { allreduceRing } from './collectives/allreduce-ring.js';
import { alltoallPairwise } from './collectives/alltoall-pairwise.js';
import { allgathervPairwise, alltoallvPairwise } from './collectives/alltoallv-pairwise.js';
import { barrierDissemination } from './collectives/barrier-dissemination.js';
import { broadcastBinomial } from './collectives/broadcast-binomial.js';
import { broadcastChain } from './collectives/broadcast-chain.js';
import { reduceScatterRing } from './collectives/reduce-scatter-ring.js';
import { DEFAULT_CHUNK_BYTES } from './collectives/context.js';
import { byteView } from './collectives/views.js';
import type { CommError } from './errors.js';
import {
  checkByteLengths, checkDTypeName, checkReceiveBuffers, checkPositiveInteger, checkRawBlock, checkTimeout, outputArray, overlaps, resolveDType,
} from './process-group-args.js';
import { checkReduceOp, type ElementArray, type ReduceOp } from './reduce-ops.js';
import type { Transport } from './transport/transport.js';

export type { CollectiveName, OpStats, OpTotals, StallReport };

/** Default time a collective may take before it fails with CommTimeoutError, ms. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Horovod's stall inspector warns after 60 s; half that still leaves a training run's 120 s limit room to report first. */
export const DEFAULT_STALL_WARNING_MS = 30_000;
/** Arrays up to this size use the latency-optimal algorithms (see docs/algorithms.md for the α–β reasoning). */
export const DEFAULT_SMALL_MESSAGE_BYTES = 64 * 1024;

/** Options of a ProcessGroup; every rank must pass the same values. */
export interface ProcessGroupOptions {
  /** Default time limit of one collective, from when it starts running (not when queued). Default 60 000. */
  timeoutMs?: number;
  /** Largest payload of one message in bytes. Default 1 MiB. Must be equal on every rank. */
  chunkBytes?: number;
  /** allreduce and broadcast use recursive doubling / binomial tree up to this many bytes. Default 64 KiB. Equal on every rank. */
  smallMessageBytes?: number;
  /** Forces an allreduce algorithm (benchmarks, tests). Default 'auto' (by size). */
  allreduceAlgorithm?: 'auto' | 'ring' | 'recursive-doubling';
  /** Forces a broadcast algorithm. Default 'auto' (by size). */
  broadcastAlgorithm?: 'auto' | 'chain' | 'binomial';
  /**
   * With `onStall`: a call still running after this many ms is reported once, naming the peers it waits on,
   * so a hang is visible long before the time limit ends it. Default 30 000; ignored when not below the limit.
   */
  stallWarningMs?: number;
  /** Receives the stall reports (the library never prints; the CLI writes them to stderr). */
  onStall?: (report: StallReport) => void;
}

/** Per-call options of a collective. */
export interface CallOptions {
  /** Overrides the group's timeoutMs for this call. */
  timeoutMs?: number;
}
/** Per-call options of allreduce: the reduction and the options of every call. */
export interface AllreduceOptions extends CallOptions {
  /** Default 'sum'. 'mean' only for float32 and bfloat16. */
  op?: ReduceOp;
  /** Checked against the array type when given (Uint16Array is bfloat16). */
  dtype?: DType;
}
export interface ReduceScatterOptions<T> extends AllreduceOptions {
  /** Receives this rank's block (input.length / N elements); a new array when left out. */
  output?: T;
}
export interface GatherOptions<T> extends CallOptions {
  dtype?: DType;
  output?: T;
}
export interface VariableOptions extends CallOptions {
  /** Element type carried in frame tags; block lengths must be whole elements. Default 'uint8'. */
  dtype?: DType;
  /**
   * Without the expected lengths, the largest block a peer may announce (bytes): a longer one fails the
   * call with a ProtocolError before anything is allocated. Default 256 MiB.
   */
  maxByteLength?: number;
}

/** Default VariableOptions.maxByteLength. */
export const DEFAULT_MAX_VARIABLE_BLOCK_BYTES = 256 * 2 ** 20;


/**
 * A group of `worldSize` ranks running collectives over one Transport (which the group owns from now on).
 *
 * - Calls run one at a time in call order; each gets the next sequence number (uint32, wrapping), carried in
 *   every frame. All ranks must issue the same collectives in the same order with matching arguments.
 * - Each call has a time limit; on expiry it rejects with CommTimeoutError naming op, seq, rank and the
 *   peers it was waiting for.
 * - Any failure (timeout, mismatch, lost peer) poisons the group: the transport is aborted (peers see this
 *   rank close), the running call and every later call reject, the latter with an error of the same kind
 *   naming their own op and seq and the peer of the first failure.
 * - Arguments are validated when the call is made (InvalidArgumentError; the call then takes no sequence number).
 */
export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  private readonly timeoutMs: number;
  private readonly chunkBytes: number;
  private readonly smallMessageBytes: number;
  private readonly allreduceAlgorithm: NonNullable<ProcessGroupOptions['allreduceAlgorithm']>;
  private readonly broadcastAlgorithm: NonNullable<ProcessGroupOptions['broadcastAlgorithm']>;
  private readonly runner: CollectiveRunner;

  constructor(transport: Transport, options: ProcessGroupOptions = {}) {
    this.rank = transport.rank;
    this.worldSize = transport.worldSize;
    this.timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.chunkBytes = checkPositiveInteger('chunkBytes', options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    const small = options.smallMessageBytes ?? DEFAULT_SMALL_MESSAGE_BYTES;
    if (!Number.isInteger(small) || small < 0) throw new InvalidArgumentError('smallMessageBytes', small, 'an integer >= 0');
    this.smallMessageBytes = small;
    this.allreduceAlgorithm = oneOf('allreduceAlgorithm', options.allreduceAlgorithm ?? 'auto', ['auto', 'ring', 'recursive-doubling'] as const);
    this.broadcastAlgorithm = oneOf('broadcastAlgorithm', options.broadcastAlgorithm ?? 'auto', ['auto', 'chain', 'binomial'] as const);
    const stallWarningMs = checkTimeout(options.stallWarningMs ?? DEFAULT_STALL_WARNING_MS, 'stallWarningMs');
    this.runner = new CollectiveRunner(transport, this.chunkBytes, { stallWarningMs, onStall: options.onStall }, small);
  }

  /**
   * Reduces `buf` element-wise over all ranks, in place; resolves to `buf`. sum and max for every dtype
   * (integers wrap), mean for float types (the owner of each block divides once; docs/algorithms.md).
   * Arrays up to smallMessageBytes use recursive doubling, larger ones the pipelined ring.
   */
  allreduce<T extends ElementArray>(buf: T, options: AllreduceOptions = {}): Promise<T> {
    return this.submit('allreduce', options, () => {
      const dtype = resolveDType('buf', buf, options.dtype);
      const op = options.op ?? 'sum';
      checkReduceOp(op, dtype);
      const algorithm = this.allreduceAlgorithm === 'auto'
        ? (buf.byteLength <= this.smallMessageBytes ? 'recursive-doubling' : 'ring')
        : this.allreduceAlgorithm;
      return {
        dtype,
        body: async (ctx) => {
          if (algorithm === 'ring') await allreduceRing(ctx, buf, dtype, op);
          else await allreduceRecursiveDoubling(ctx, buf, dtype, op);
          return buf;
        },
      };
    });
  }

  /**
   * Rank r gets block r of the element-wise reduction of every rank's `input` (N blocks of input.length / N
   * elements). `input` is not modified. Resolves to the output array.
   */
  reduceScatter<T extends ElementArray>(input: T, options: ReduceScatterOptions<T> = {}): Promise<T> {
    return this.submit('reduceScatter', options, () => {
      const dtype = resolveDType('input', input, options.dtype);
      const op = options.op ?? 'sum';
      checkReduceOp(op, dtype);
      this.checkDivisible('input.length', input.length);
      const output = outputArray(input, options.output, input.length / this.worldSize, dtype);
      return { dtype, body: async (ctx) => { await reduceScatterRing(ctx, input, output, dtype, op); return output; } };
    });
  }

  /** Every rank gets all ranks' `input`s concatenated in rank order (N · input.length elements). */
  allgather<T extends ElementArray>(input: T, options: GatherOptions<T> = {}): Promise<T> {
    return this.submit('allgather', options, () => {
      const dtype = resolveDType('input', input, options.dtype);
      const output = outputArray(input, options.output, input.length * this.worldSize, dtype);
      return { dtype, body: async (ctx) => { await allgatherRing(ctx, input, output, dtype); return output; } };
    });
  }

  /** Block j of this rank's `input` (N equal blocks) becomes block r of rank j's output. `output` must not overlap `input`. */
  alltoall<T extends ElementArray>(input: T, options: GatherOptions<T> = {}): Promise<T> {
    return this.submit('alltoall', options, () => {
      const dtype = resolveDType('input', input, options.dtype);
      this.checkDivisible('input.length', input.length);
      const output = outputArray(input, options.output, input.length, dtype);
      if (input.length > 0 && overlaps(input, output)) throw new InvalidArgumentError('output', output, 'an array that does not overlap input');
      return { dtype, body: async (ctx) => { await alltoallPairwise(ctx, input, output, dtype); return output; } };
    });
  }

  /**
   * Variable-size alltoall of raw bytes: `blocks[p]` goes to rank p; resolves to the N blocks received
   * (index = sender; each a new Uint8Array). With `recvByteLengths`, a peer sending another length fails
   * the call with a MismatchError; without, lengths travel in a 4-byte frame per block and may not
   * exceed `maxByteLength`. With `into` (needs `recvByteLengths`: one Uint8Array of each length, index = sender)
   * the blocks are received there and the call resolves to `into` itself: repeated calls allocate nothing.
   */
  alltoallv(blocks: readonly Uint8Array[], options: VariableOptions & { recvByteLengths?: readonly number[]; into?: readonly Uint8Array[] } = {}): Promise<Uint8Array[]> {
    return this.submit('alltoallv', options, () => {
      const dtype = checkDTypeName(options.dtype);
      if (!Array.isArray(blocks) || blocks.length !== this.worldSize) {
        throw new InvalidArgumentError('blocks', blocks, `an array of ${this.worldSize} Uint8Arrays, one per destination rank`);
      }
      blocks.forEach((b, i) => checkRawBlock(`blocks[${i}]`, b, dtype));
      const expected = options.recvByteLengths === undefined ? undefined : checkByteLengths('recvByteLengths', options.recvByteLengths, this.worldSize, dtype);
      if (expected && expected[this.rank] !== blocks[this.rank].byteLength) {
        throw new InvalidArgumentError(`recvByteLengths[${this.rank}]`, expected[this.rank], `${blocks[this.rank].byteLength}, the length of this rank's own block`);
      }
      const into = checkReceiveBuffers(options.into, expected, 'recvByteLengths');
      const limits = { expected, maxByteLength: checkMaxByteLength(options.maxByteLength), into };
      return { dtype, body: (ctx) => alltoallvPairwise(ctx, blocks, DTYPE_BYTES[dtype], limits) };
    });
  }

  /**
   * Variable-size allgather of raw bytes: resolves to every rank's `block` (index = rank; each a new Uint8Array).
   * With `byteLengths`, a block of another length fails the call with a MismatchError; without, no block may
   * exceed `maxByteLength`. `algorithm`: `ring`
   * (default; one connection per rank busy, blocks forwarded hop by hop) or `pairwise` (every rank sends its
   * block straight to every peer: the same bytes per rank for equal blocks, but no rank waits for a block to
   * pass through others; the compressed collectives use it). Every rank must pass the same algorithm.
   * `into` (needs `byteLengths`) receives the blocks into the caller's buffers, as in alltoallv.
   */
  allgatherv(block: Uint8Array, options: VariableOptions & { byteLengths?: readonly number[]; algorithm?: 'ring' | 'pairwise'; into?: readonly Uint8Array[] } = {}): Promise<Uint8Array[]> {
    return this.submit('allgatherv', options, () => {
      const algorithm = oneOf('algorithm', options.algorithm ?? 'ring', ['ring', 'pairwise'] as const);
      const dtype = checkDTypeName(options.dtype);
      checkRawBlock('block', block, dtype);
      const expected = options.byteLengths === undefined ? undefined : checkByteLengths('byteLengths', options.byteLengths, this.worldSize, dtype);
      if (expected && expected[this.rank] !== block.byteLength) {
        throw new InvalidArgumentError(`byteLengths[${this.rank}]`, expected[this.rank], `${block.byteLength}, the length of this rank's block`);
      }
      const gather = algorithm === 'pairwise' ? allgathervPairwise : allgathervRing;
      const into = checkReceiveBuffers(options.into, expected, 'byteLengths');
      const limits = { expected, maxByteLength: checkMaxByteLength(options.maxByteLength), into };
      return { dtype, body: (ctx) => gather(ctx, block, DTYPE_BYTES[dtype], limits) };
    });
  }

  /** Copies `root`'s `buf` into every rank's `buf` (in place); resolves to `buf`. Binomial tree when small, chain when large. */
  broadcast<T extends ElementArray>(buf: T, root: number, options: CallOptions & { dtype?: DType } = {}): Promise<T> {
    return this.submit('broadcast', options, () => {
      const dtype = resolveDType('buf', buf, options.dtype);
      if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) {
        throw new InvalidArgumentError('root', root, `a rank in 0..${this.worldSize - 1}`);
      }
      const elementBytes = DTYPE_BYTES[dtype];
      const bytes = byteView(buf, elementBytes, 0, buf.length);
      const algorithm = this.broadcastAlgorithm === 'auto'
        ? (bytes.byteLength <= this.smallMessageBytes ? 'binomial' : 'chain')
        : this.broadcastAlgorithm;
      return {
        dtype,
        body: async (ctx) => {
          if (algorithm === 'chain') await broadcastChain(ctx, bytes, elementBytes, root);
          else await broadcastBinomial(ctx, bytes, elementBytes, root);
          return buf;
        },
      };
    });
  }

  /** Resolves once every rank has entered the barrier. */
  barrier(options: CallOptions = {}): Promise<void> {
    return this.submit('barrier', options, () => ({ dtype: 'uint8', body: (ctx) => barrierDissemination(ctx) }));
  }

  /** Traffic of the last completed call, or undefined before the first. */
  get lastOp(): OpStats | undefined {
    return this.runner.lastOp;
  }

  /** Totals over the completed calls of `op` (zeros if none). */
  opTotals(op: CollectiveName): OpTotals {
    return this.runner.opTotals(op);
  }

  /** The first failure, once the group is poisoned (or closed). */
  get error(): CommError | undefined {
    return this.runner.error;
  }

  /**
   * Closes the group now: the running call and queued calls reject with code `closed`, timers are cleared,
   * scratch memory is dropped and the transport is closed. Idempotent.
   */
  close(): Promise<void> {
    return this.runner.close();
  }

  /** Validates a call's arguments now (errors reject at once, taking no sequence number), then queues it. */
  private submit<T>(op: CollectiveName, options: CallOptions, prepare: () => { dtype: DType; body: CollectiveBody<T> }): Promise<T> {
    let prepared: ReturnType<typeof prepare>;
    let timeoutMs: number;
    try {
      timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : checkTimeout(options.timeoutMs);
      prepared = prepare();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.runner.run(op, prepared.dtype, timeoutMs, prepared.body);
  }

  private checkDivisible(field: string, length: number): void {
    if (length % this.worldSize !== 0) {
      throw new InvalidArgumentError(field, length, `a multiple of the world size ${this.worldSize}`);
    }
  }
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new InvalidArgumentError(field, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

function checkMaxByteLength(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_VARIABLE_BLOCK_BYTES;
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError('maxByteLength', value, 'a non-negative integer number of bytes');
  return value;
}
