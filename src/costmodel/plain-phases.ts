// Cost-model phases of the plain process-group collectives, from the exact traffic of src/comm/collectives/wire-bytes.ts.

import { blockLength } from '../comm/collectives/partition.js';
import { predictTraffic, wireBytes, type TrafficSpec } from '../comm/collectives/wire-bytes.js';
import { DTYPE_BYTES, type DType } from '../comm/codes.js';
import { InvalidArgumentError } from '../errors.js';
import { reduceKernel, type KernelWork } from './kernels.js';
import { resolveGroupSettings, type CommPhase, type GroupSettings, type ResolvedGroupSettings } from './phases.js';

/** Element types the model has a reduction kernel for. */
export type ReducibleDType = 'float32' | 'bfloat16' | 'int8';

type DenseAlgorithm = 'allreduce-ring' | 'allreduce-recursive-doubling' | 'reduce-scatter-ring' | 'allgather-ring' | 'alltoall-pairwise' | 'broadcast-chain' | 'broadcast-binomial';

function traffic(algorithm: DenseAlgorithm, worldSize: number, rank: number, count: number, elementBytes: number, s: ResolvedGroupSettings) {
  const spec = { algorithm, worldSize, rank, count, elementBytes, chunkBytes: s.chunkBytes, root: 0 } as TrafficSpec;
  const t = predictTraffic(spec);
  const w = wireBytes(t, s.headerBytes);
  return { ...w, messages: t.messagesSent + t.messagesReceived, messagesSent: t.messagesSent };
}

function phase(label: string, rounds: number, wire: number, busiest: ReturnType<typeof traffic>, rank0: ReturnType<typeof traffic>, kernels: KernelWork[], depth?: number): CommPhase {
  return {
    type: 'comm', label, rounds, variable: false, wireBytes: wire,
    hostBytes: busiest.bytesSent + busiest.bytesReceived, messages: busiest.messages,
    chunksPerRound: depth ?? Math.max(1, busiest.messagesSent / Math.max(1, rounds)),
    bytesSent: rank0.bytesSent, bytesReceived: rank0.bytesReceived,
    kernels: kernels.filter((k) => k.units > 0),
  };
}

function checkWorld(worldSize: number, count: number): void {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new InvalidArgumentError('worldSize', worldSize, 'an integer >= 1');
  if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError('count', count, 'an integer >= 0 (elements)');
}

/** The algorithm ProcessGroup.allreduce runs: recursive doubling up to smallMessageBytes, the ring above. */
export function allreduceAlgorithm(byteLength: number, settings: GroupSettings = {}): 'ring' | 'recursive-doubling' {
  return byteLength <= resolveGroupSettings(settings).smallMessageBytes ? 'recursive-doubling' : 'ring';
}

/**
 * ProcessGroup.allreduce of `count` elements (sum or mean: the division rides on the last combine).
 * - ring: 2(N−1) sequential steps; all N links busy at once, so the wire carries rank 0's max(sent, received);
 *   the rank combines every chunk it receives in the reduce-scatter half, count − |B_{r−1}| elements.
 * - recursive doubling: log2 P exchanges of the whole array, plus the fold-in and fold-out when N is not a
 *   power of two (2 more sequential transfers of the array); the busiest rank is an odd rank r < 2(N−P),
 *   which combines (log2 P + 1)·count elements.
 * Throws InvalidArgumentError for a bad world size or count.
 */
export function allreducePhase(count: number, dtype: ReducibleDType, worldSize: number, settings: GroupSettings = {}, algorithm?: 'ring' | 'recursive-doubling'): CommPhase {
  checkWorld(worldSize, count);
  const s = resolveGroupSettings(settings);
  const e = DTYPE_BYTES[dtype];
  const n = worldSize;
  const chosen = algorithm ?? allreduceAlgorithm(count * e, settings);
  const reduce = reduceKernel(dtype);
  const label = `allreduce ${chosen} ${dtype}`;
  if (n === 1 || count === 0) return phase(label, 0, 0, zero(), zero(), []);
  if (chosen === 'ring') {
    const t = traffic('allreduce-ring', n, 0, count, e, s);
    const combined = count - blockLength(count, n, n - 1);
    return phase(label, 2 * (n - 1), Math.max(t.bytesSent, t.bytesReceived), t, t, [{ kernel: reduce, units: combined }]);
  }
  const p = 2 ** Math.floor(Math.log2(n));
  const folded = n !== p;
  const busiest = traffic('allreduce-recursive-doubling', n, folded ? 1 : 0, count, e, s);
  const rank0 = traffic('allreduce-recursive-doubling', n, 0, count, e, s);
  const rounds = Math.log2(p) + (folded ? 2 : 0);
  const oneTransfer = busiest.bytesSent / (Math.log2(p) + (folded ? 1 : 0));
  return phase(label, rounds, rounds * oneTransfer, busiest, rank0, [{ kernel: reduce, units: (Math.log2(p) + (folded ? 1 : 0)) * count }]);
}

/** ProcessGroup.reduceScatter (ring) of an input of `count` elements: N−1 steps; it first copies the input to scratch. */
export function reduceScatterPhase(count: number, dtype: ReducibleDType, worldSize: number, settings: GroupSettings = {}): CommPhase {
  checkWorld(worldSize, count);
  const s = resolveGroupSettings(settings);
  const n = worldSize;
  const e = DTYPE_BYTES[dtype];
  if (n === 1) return phase(`reduce-scatter ring ${dtype}`, 0, 0, zero(), zero(), []);
  const t = traffic('reduce-scatter-ring', n, 0, count, e, s);
  const combined = count - blockLength(count, n, n - 1);
  return phase(`reduce-scatter ring ${dtype}`, n - 1, Math.max(t.bytesSent, t.bytesReceived), t, t,
    [{ kernel: reduceKernel(dtype), units: combined }, { kernel: 'copy', units: count * e }]);
}

/** ProcessGroup.allgather (ring) into an output of `count` elements: N−1 steps, no arithmetic. */
export function allgatherPhase(count: number, dtype: DType, worldSize: number, settings: GroupSettings = {}): CommPhase {
  return movePhase('allgather-ring', 'allgather ring', worldSize - 1, count, dtype, worldSize, settings);
}

/** ProcessGroup.alltoall (pairwise) of an input of `count` elements: one round, every peer at once. */
export function alltoallPhase(count: number, dtype: DType, worldSize: number, settings: GroupSettings = {}): CommPhase {
  return movePhase('alltoall-pairwise', 'alltoall pairwise', 1, count, dtype, worldSize, settings);
}

function movePhase(algorithm: DenseAlgorithm, label: string, rounds: number, count: number, dtype: DType, worldSize: number, settings: GroupSettings): CommPhase {
  checkWorld(worldSize, count);
  const s = resolveGroupSettings(settings);
  if (worldSize === 1) return phase(`${label} ${dtype}`, 0, 0, zero(), zero(), []);
  const t = traffic(algorithm, worldSize, 0, count, DTYPE_BYTES[dtype], s);
  return phase(`${label} ${dtype}`, rounds, Math.max(t.bytesSent, t.bytesReceived), t, t, []);
}

/**
 * ProcessGroup.broadcast from rank 0. Chain (above smallMessageBytes): N−1 hops, the chunks pipelined, so the
 * last rank gets the last chunk after the array plus N−2 chunk times; a middle rank is the busiest.
 * Binomial tree: ⌈log2 N⌉ rounds, the root sending the whole array to each child in turn.
 */
export function broadcastPhase(count: number, dtype: DType, worldSize: number, settings: GroupSettings = {}): CommPhase {
  checkWorld(worldSize, count);
  const s = resolveGroupSettings(settings);
  const n = worldSize;
  const e = DTYPE_BYTES[dtype];
  const bytes = count * e;
  const chain = bytes > s.smallMessageBytes;
  const label = `broadcast ${chain ? 'chain' : 'binomial'} ${dtype}`;
  if (n === 1 || count === 0) return phase(label, 0, 0, zero(), zero(), []);
  if (chain) {
    const root = traffic('broadcast-chain', n, 0, count, e, s);
    const busiest = n > 2 ? traffic('broadcast-chain', n, 1, count, e, s) : root;
    const chunk = Math.min(bytes, s.chunkBytes) + s.headerBytes;
    // The chain pipelines the whole array's chunks through every hop: the depth is the array's chunk count.
    return phase(label, n - 1, root.bytesSent + (n - 2) * chunk, busiest, root, [], Math.max(1, root.messagesSent));
  }
  const root = traffic('broadcast-binomial', n, 0, count, e, s);
  const rounds = Math.ceil(Math.log2(n));
  return phase(label, rounds, root.bytesSent, root, root, []);
}

function zero(): { bytesSent: number; bytesReceived: number; messages: number; messagesSent: number } {
  return { bytesSent: 0, bytesReceived: 0, messages: 0, messagesSent: 0 };
}
