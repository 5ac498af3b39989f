// One check per collective for the contract suite: run it on every rank, compare with the brute-force reference.

import assert from 'node:assert/strict';
import { DTYPE_BYTES, type DType } from '../../codes.js';
import type { ProcessGroup } from '../../process-group.js';
import { bf16ToF32, f32ToBf16, type ElementArray, type ReduceOp } from '../../reduce-ops.js';
import { predictTraffic, wireBytes, type TrafficSpec } from '../wire-bytes.js';
import { exactData, newArray, referenceReduce, sameBytes } from './reference.js';

/** How a group of the suite was configured, so expected traffic can be predicted. */
export interface GroupSetup {
  groups: ProcessGroup[];
  chunkBytes: number;
  smallMessageBytes: number;
  allreduceAlgorithm: 'auto' | 'ring' | 'recursive-doubling';
  broadcastAlgorithm: 'auto' | 'chain' | 'binomial';
  /** When set, every call's counters must equal the prediction with this header size. */
  headerBytes?: number;
}

export function runAll<T>(setup: GroupSetup, fn: (group: ProcessGroup, rank: number) => Promise<T>): Promise<T[]> {
  return Promise.all(setup.groups.map((g, r) => fn(g, r)));
}

export function seedOf(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) h = Math.imul(h ^ p, 0x85ebca6b) ^ (h >>> 13);
  return h >>> 0;
}

function check(actual: ArrayBufferView, expected: ArrayBufferView, what: string): void {
  const problem = sameBytes(actual, expected);
  if (problem) assert.fail(`${what}: ${problem}`);
}

/** Holds each rank's counters for its last call equal to the predicted traffic. */
export function checkTraffic(setup: GroupSetup, spec: (rank: number) => TrafficSpec, what: string): void {
  if (setup.headerBytes === undefined) return;
  setup.groups.forEach((g, rank) => {
    const predicted = predictTraffic(spec(rank));
    const bytes = wireBytes(predicted, setup.headerBytes as number);
    const measured = g.lastOp;
    assert.ok(measured, `${what}: no counters recorded`);
    assert.deepEqual(
      [measured.messagesSent, measured.messagesReceived, measured.bytesSent, measured.bytesReceived],
      [predicted.messagesSent, predicted.messagesReceived, bytes.bytesSent, bytes.bytesReceived],
      `${what}, rank ${rank}: [messagesSent, messagesReceived, bytesSent, bytesReceived] against docs/algorithms.md`,
    );
  });
}

function base(setup: GroupSetup, rank: number, elementBytes: number, count: number) {
  return { worldSize: setup.groups.length, rank, chunkBytes: setup.chunkBytes, elementBytes, count };
}

export async function checkAllreduce(setup: GroupSetup, dtype: DType, op: ReduceOp, length: number, seed: number): Promise<void> {
  const n = setup.groups.length;
  const inputs = setup.groups.map((_, r) => exactData(dtype, length, seedOf(seed, r)));
  const expected = referenceReduce(dtype, op, inputs);
  const outputs = await runAll(setup, (g, r) => g.allreduce(inputs[r].slice(), { op }));
  outputs.forEach((out, r) => check(out, expected, `allreduce ${op} ${dtype} length ${length} N=${n} rank ${r}`));
  const byteLength = length * DTYPE_BYTES[dtype];
  const ring = setup.allreduceAlgorithm === 'ring' || (setup.allreduceAlgorithm === 'auto' && byteLength > setup.smallMessageBytes);
  checkTraffic(setup, (rank) => ({ algorithm: ring ? 'allreduce-ring' : 'allreduce-recursive-doubling', ...base(setup, rank, DTYPE_BYTES[dtype], length) }),
    `allreduce ${op} ${dtype} length ${length}`);
}

export async function checkReduceScatter(setup: GroupSetup, dtype: DType, op: ReduceOp, blockLength: number, seed: number): Promise<void> {
  const n = setup.groups.length;
  const inputs = setup.groups.map((_, r) => exactData(dtype, n * blockLength, seedOf(seed, r)));
  const copies = inputs.map((a) => a.slice());
  const full = referenceReduce(dtype, op, inputs);
  const outputs = await runAll(setup, (g, r) => g.reduceScatter(inputs[r], { op }));
  outputs.forEach((out, r) => {
    const what = `reduceScatter ${op} ${dtype} block ${blockLength} N=${n} rank ${r}`;
    check(out, full.subarray(r * blockLength, (r + 1) * blockLength), what);
    check(inputs[r], copies[r], `${what}: input must be left unchanged`);
  });
  checkTraffic(setup, (rank) => ({ algorithm: 'reduce-scatter-ring', ...base(setup, rank, DTYPE_BYTES[dtype], n * blockLength) }),
    `reduceScatter ${op} ${dtype} block ${blockLength}`);
}

export async function checkAllgather(setup: GroupSetup, dtype: DType, blockLength: number, seed: number): Promise<void> {
  const n = setup.groups.length;
  const inputs = setup.groups.map((_, r) => exactData(dtype, blockLength, seedOf(seed, r)));
  const expected = newArray(dtype, n * blockLength);
  inputs.forEach((a, r) => expected.set(a as never, r * blockLength));
  const outputs = await runAll(setup, (g, r) => g.allgather(inputs[r]));
  outputs.forEach((out, r) => check(out, expected, `allgather ${dtype} block ${blockLength} N=${n} rank ${r}`));
  checkTraffic(setup, (rank) => ({ algorithm: 'allgather-ring', ...base(setup, rank, DTYPE_BYTES[dtype], n * blockLength) }),
    `allgather ${dtype} block ${blockLength}`);
}

export async function checkAlltoall(setup: GroupSetup, dtype: DType, blockLength: number, seed: number): Promise<void> {
  const n = setup.groups.length;
  const inputs = setup.groups.map((_, r) => exactData(dtype, n * blockLength, seedOf(seed, r)));
  const outputs = await runAll(setup, (g, r) => g.alltoall(inputs[r]));
  outputs.forEach((out, r) => {
    const expected = newArray(dtype, n * blockLength);
    for (let i = 0; i < n; i++) expected.set(inputs[i].subarray(r * blockLength, (r + 1) * blockLength) as never, i * blockLength);
    check(out, expected, `alltoall ${dtype} block ${blockLength} N=${n} rank ${r}`);
  });
  checkTraffic(setup, (rank) => ({ algorithm: 'alltoall-pairwise', ...base(setup, rank, DTYPE_BYTES[dtype], n * blockLength) }),
    `alltoall ${dtype} block ${blockLength}`);
}

export async function checkBroadcast(setup: GroupSetup, dtype: DType, length: number, root: number, seed: number): Promise<void> {
  const n = setup.groups.length;
  const buffers: ElementArray[] = setup.groups.map((_, r) => exactData(dtype, length, seedOf(seed, r)));
  const expected = buffers[root].slice();
  await runAll(setup, (g, r) => g.broadcast(buffers[r], root));
  buffers.forEach((out, r) => check(out, expected, `broadcast ${dtype} length ${length} root ${root} N=${n} rank ${r}`));
  const byteLength = length * DTYPE_BYTES[dtype];
  const chain = setup.broadcastAlgorithm === 'chain' || (setup.broadcastAlgorithm === 'auto' && byteLength > setup.smallMessageBytes);
  checkTraffic(setup, (rank) => ({ algorithm: chain ? 'broadcast-chain' : 'broadcast-binomial', root, ...base(setup, rank, DTYPE_BYTES[dtype], length) }),
    `broadcast ${dtype} length ${length} root ${root}`);
}

/** Byte length rank `from` sends rank `to` in the variable-size checks: includes empty blocks. */
export function variableLength(from: number, to: number, scale: number, elementBytes: number): number {
  return ((from * 7 + to * 3 + scale) % 11 === 0 ? 0 : (from * 5 + to * 2 + scale) % (scale + 3)) * elementBytes;
}

function rawBlock(byteLength: number, seed: number): Uint8Array {
  const out = new Uint8Array(byteLength);
  let x = seed >>> 0;
  for (let i = 0; i < byteLength; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Receive buffers of the given lengths, filled with a pattern the received blocks must overwrite. */
function receiveBuffers(lengths: readonly number[]): Uint8Array[] {
  return lengths.map((length) => new Uint8Array(length).fill(0xa5));
}

/** `announce`: pass the expected lengths; `into` (with announce): receive into caller buffers, which the call must return. */
export async function checkAlltoallv(setup: GroupSetup, dtype: DType, scale: number, announce: boolean, seed: number, into = false): Promise<void> {
  const n = setup.groups.length;
  const e = DTYPE_BYTES[dtype];
  const sent = setup.groups.map((_, r) => setup.groups.map((__, p) => rawBlock(variableLength(r, p, scale, e), seedOf(seed, r, p))));
  const lengths = setup.groups.map((_, r) => setup.groups.map((__, p) => variableLength(p, r, scale, e)));
  const buffers = lengths.map((l) => (into ? receiveBuffers(l) : undefined));
  const outputs = await runAll(setup, (g, r) => g.alltoallv(sent[r], {
    dtype,
    recvByteLengths: announce ? lengths[r] : undefined,
    into: buffers[r],
  }));
  outputs.forEach((blocks, r) => {
    assert.equal(blocks.length, n);
    blocks.forEach((b, p) => check(b, sent[p][r], `alltoallv ${dtype} scale ${scale} N=${n}: rank ${r} block from ${p}`));
    if (into) blocks.forEach((b, p) => assert.equal(b, buffers[r]![p], `alltoallv into: rank ${r} block from ${p} is the caller's buffer`));
  });
  checkTraffic(setup, (rank) => ({
    algorithm: 'alltoallv-pairwise', worldSize: n, rank, chunkBytes: setup.chunkBytes, elementBytes: e,
    sendByteLengths: setup.groups.map((_, p) => variableLength(rank, p, scale, e)),
    recvByteLengths: setup.groups.map((_, p) => variableLength(p, rank, scale, e)),
  }), `alltoallv ${dtype} scale ${scale}`);
}

export async function checkAllgatherv(
  setup: GroupSetup, dtype: DType, scale: number, announce: boolean, seed: number, algorithm: 'ring' | 'pairwise', into = false,
): Promise<void> {
  const n = setup.groups.length;
  const e = DTYPE_BYTES[dtype];
  const lengths = setup.groups.map((_, r) => variableLength(r, r, scale, e));
  const blocks = setup.groups.map((_, r) => rawBlock(lengths[r], seedOf(seed, r)));
  const buffers = setup.groups.map(() => (into ? receiveBuffers(lengths) : undefined));
  const outputs = await runAll(setup, (g, r) => g.allgatherv(blocks[r], { dtype, byteLengths: announce ? lengths : undefined, algorithm, into: buffers[r] }));
  const label = `allgatherv (${algorithm}) ${dtype} scale ${scale}${into ? ' into' : ''}`;
  outputs.forEach((got, r) => {
    assert.equal(got.length, n);
    got.forEach((b, i) => check(b, blocks[i], `${label} N=${n}: rank ${r} block of ${i}`));
    if (into) got.forEach((b, i) => assert.equal(b, buffers[r]![i], `${label}: rank ${r} block of ${i} is the caller's buffer`));
  });
  checkTraffic(setup, (rank) => ({ algorithm: `allgatherv-${algorithm}`, worldSize: n, rank, chunkBytes: setup.chunkBytes, elementBytes: e, byteLengths: lengths }), label);
}

/**
 * Random (inexact) float data: every rank must still hold identical bits, within rounding of the exact
 * mean/sum (bfloat16 partial sums are rounded at each of up to N−1 hops, hence its looser bound).
 */
export async function checkFloatConsistency(setup: GroupSetup, dtype: 'float32' | 'bfloat16', op: 'sum' | 'mean', length: number, seed: number): Promise<void> {
  const n = setup.groups.length;
  const inputs = setup.groups.map((_, r) => {
    const a = newArray(dtype, length);
    let x = seedOf(seed, r);
    for (let i = 0; i < length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const v = x / 2 ** 31 - 1;
      a[i] = dtype === 'float32' ? v : f32ToBf16(v);
    }
    return a;
  });
  const outputs = await runAll(setup, (g, r) => g.allreduce(inputs[r].slice(), { op }));
  outputs.forEach((out, r) => check(out, outputs[0], `allreduce ${op} ${dtype} random data N=${n}: rank ${r} differs from rank 0`));
  const tolerance = dtype === 'float32' ? 1e-5 * n : (n * n) / 256;
  for (let i = 0; i < length; i++) {
    let exact = 0;
    for (const a of inputs) exact += dtype === 'float32' ? a[i] : bf16ToF32(a[i]);
    if (op === 'mean') exact /= n;
    const got = dtype === 'float32' ? outputs[0][i] : bf16ToF32(outputs[0][i]);
    if (!(Math.abs(got - exact) <= tolerance)) assert.fail(`allreduce ${op} ${dtype} random N=${n} element ${i}: ${got} vs exact ${exact}`);
  }
}
