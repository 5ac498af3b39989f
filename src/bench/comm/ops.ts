// The collectives `lion-cub bench comm` measures: array shapes per size, nccl-tests bus factors, input data and references.

import { DTYPE_BYTES, type DType } from '../../comm/codes.js';
import { f32ToBf16 } from '../../comm/reduce-ops.js';
import type { ElementArray } from '../../comm/reduce-ops.js';
import type { ProcessGroup } from '../../comm/process-group.js';

export const BENCH_OPS = ['allreduce', 'reduce_scatter', 'allgather', 'alltoall', 'broadcast'] as const;
export type BenchOp = (typeof BENCH_OPS)[number];

export const BENCH_DTYPES = ['float32', 'bfloat16', 'int8', 'int16', 'int32', 'uint8', 'uint32'] as const satisfies readonly DType[];

/**
 * busbw = algbw · factor (nccl-tests): allreduce 2(N−1)/N; reduce-scatter, allgather, alltoall (N−1)/N;
 * broadcast 1. It turns algbw into the rate each rank's link must carry, comparable to the link speed.
 */
export function busFactor(op: BenchOp, worldSize: number): number {
  const n = worldSize;
  if (op === 'allreduce') return (2 * (n - 1)) / n;
  if (op === 'broadcast') return 1;
  return (n - 1) / n;
}

/** Array lengths (elements) of one case. `bytes` is S of nccl-tests: the logical array the op moves. */
export interface CaseShape {
  op: BenchOp;
  dtype: DType;
  worldSize: number;
  inputLength: number;
  outputLength: number;
  /** allreduce/broadcast: the array; reduce-scatter/alltoall: the input; allgather: the output. */
  bytes: number;
}

/**
 * The largest case of at most `requestedBytes`: S is rounded down to whole elements and, for the ops
 * that split the array into N blocks, to a multiple of N elements (as nccl-tests does). Returns
 * undefined when that leaves no element.
 */
export function caseShape(op: BenchOp, dtype: DType, requestedBytes: number, worldSize: number): CaseShape | undefined {
  const elementBytes = DTYPE_BYTES[dtype];
  const whole = Math.floor(requestedBytes / elementBytes);
  const block = Math.floor(whole / worldSize);
  let inputLength: number;
  let outputLength: number;
  if (op === 'allreduce' || op === 'broadcast') [inputLength, outputLength] = [whole, whole];
  else if (op === 'allgather') [inputLength, outputLength] = [block, block * worldSize];
  else if (op === 'reduce_scatter') [inputLength, outputLength] = [block * worldSize, block];
  else [inputLength, outputLength] = [block * worldSize, block * worldSize];
  if (inputLength === 0 || outputLength === 0) return undefined;
  const logical = op === 'allgather' ? outputLength : inputLength;
  return { op, dtype, worldSize, inputLength, outputLength, bytes: logical * elementBytes };
}

/**
 * Element `index` of rank `rank`'s input: a small integer in [−8, 8]. Sums over up to 16 ranks stay
 * exact in float32 and bfloat16 and integer types wrap identically in any order, so a correct
 * collective matches the reference bit for bit whatever its reduction order.
 */
export function inputValue(rank: number, index: number): number {
  return ((rank * 131 + index * 7) % 17) - 8;
}

export function newArray(dtype: DType, length: number): ElementArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'bfloat16': return new Uint16Array(length);
    case 'int8': return new Int8Array(length);
    case 'int16': return new Int16Array(length);
    case 'int32': return new Int32Array(length);
    case 'uint8': return new Uint8Array(length);
    case 'uint32': return new Uint32Array(length);
  }
}

/** Stores `value` into element i: bfloat16 as its word, other types by the typed array's own conversion (wrapping). */
function store(dtype: DType, array: ElementArray, i: number, value: number): void {
  array[i] = dtype === 'bfloat16' ? f32ToBf16(value) : value;
}

/** This rank's input for the case. Broadcast non-roots hold their own values, so a missed copy counts as wrong. */
export function makeInput(shape: CaseShape, rank: number): ElementArray {
  const input = newArray(shape.dtype, shape.inputLength);
  for (let i = 0; i < shape.inputLength; i++) store(shape.dtype, input, i, inputValue(rank, i));
  return input;
}

/** What this rank's output must equal, computed locally from every rank's input definition. */
export function expectedOutput(shape: CaseShape, rank: number): ElementArray {
  const { op, dtype, worldSize: n, outputLength } = shape;
  const out = newArray(dtype, outputLength);
  const block = op === 'allgather' || op === 'alltoall' ? outputLength / n : outputLength;
  for (let i = 0; i < outputLength; i++) {
    let value = 0;
    if (op === 'allreduce') for (let q = 0; q < n; q++) value += inputValue(q, i);
    else if (op === 'reduce_scatter') for (let q = 0; q < n; q++) value += inputValue(q, rank * block + i);
    else if (op === 'allgather') value = inputValue(Math.floor(i / block), i % block);
    else if (op === 'alltoall') value = inputValue(Math.floor(i / block), rank * block + (i % block));
    else value = inputValue(0, i);
    store(dtype, out, i, value);
  }
  return out;
}

/** Elements of `actual` that differ from `expected` (bitwise for bfloat16 words). */
export function countWrong(actual: ElementArray, expected: ElementArray): number {
  if (actual.length !== expected.length) return Math.max(actual.length, expected.length);
  let wrong = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) wrong++;
  return wrong;
}

/**
 * One run of the op. `work` is overwritten (allreduce and broadcast work in place; pass a fresh copy of the
 * input each time); `output` receives the result of the out-of-place ops. Resolves to the result array.
 */
export function runOp(pg: ProcessGroup, shape: CaseShape, work: ElementArray, output: ElementArray): Promise<ElementArray> {
  const dtype = shape.dtype;
  switch (shape.op) {
    case 'allreduce': return pg.allreduce(work, { dtype });
    case 'reduce_scatter': return pg.reduceScatter(work, { dtype, output });
    case 'allgather': return pg.allgather(work, { dtype, output });
    case 'alltoall': return pg.alltoall(work, { dtype, output });
    case 'broadcast': return pg.broadcast(work, 0, { dtype });
  }
}
