// Predicted messages and bytes on the wire per rank for each collective algorithm (docs/algorithms.md, as code).
//
// Computed from each algorithm's schedule, not by running it: tests hold the transport's counters equal to
// these numbers, and benchmarks print them next to what the socket counted.

import { alignedChunkBytes } from './chunked.js';
import { blockLength, chunkElements, mod } from './partition.js';
import { LENGTH_FRAME_BYTES } from './variable-blocks.js';

/** Messages and payload bytes one rank sends and receives in one call. */
export interface Traffic {
  messagesSent: number;
  messagesReceived: number;
  payloadBytesSent: number;
  payloadBytesReceived: number;
}

interface Common {
  worldSize: number;
  rank: number;
  /** ProcessGroupOptions.chunkBytes. */
  chunkBytes: number;
}
interface Dense extends Common {
  /** Elements of the array the collective is defined on (allreduce: buf; reduce-scatter: input; allgather: output; alltoall: input). */
  count: number;
  elementBytes: number;
}

/** One call of a collective algorithm whose traffic predictTraffic computes. */
export type TrafficSpec =
  | ({ algorithm: 'allreduce-ring' | 'allreduce-recursive-doubling' | 'reduce-scatter-ring' | 'allgather-ring' | 'alltoall-pairwise' } & Dense)
  | ({ algorithm: 'broadcast-chain' | 'broadcast-binomial'; root: number } & Dense)
  | ({ algorithm: 'barrier-dissemination' } & Common)
  | ({ algorithm: 'alltoallv-pairwise'; elementBytes: number; sendByteLengths: readonly number[]; recvByteLengths: readonly number[] } & Common)
  | ({ algorithm: 'allgatherv-ring' | 'allgatherv-pairwise'; elementBytes: number; byteLengths: readonly number[] } & Common);

/** Bytes on the wire: payload plus `headerBytes` per message (32 for lion-cub's frames). */
export function wireBytes(t: Traffic, headerBytes: number): { bytesSent: number; bytesReceived: number } {
  return {
    bytesSent: t.payloadBytesSent + headerBytes * t.messagesSent,
    bytesReceived: t.payloadBytesReceived + headerBytes * t.messagesReceived,
  };
}

/** Traffic of one rank in one call of the given algorithm. */
export function predictTraffic(spec: TrafficSpec): Traffic {
  const t: Traffic = { messagesSent: 0, messagesReceived: 0, payloadBytesSent: 0, payloadBytesReceived: 0 };
  const n = spec.worldSize;
  const r = spec.rank;
  if (n === 1) return t;
  switch (spec.algorithm) {
    case 'allreduce-ring':
      // Reduce-scatter sends every block but r and receives every block but r−1; allgather sends every
      // block but r+1 and receives every block but r.
      addBlocks(t, spec, 'sent', r);
      addBlocks(t, spec, 'sent', mod(r + 1, n));
      addBlocks(t, spec, 'received', mod(r - 1, n));
      addBlocks(t, spec, 'received', r);
      return t;
    case 'reduce-scatter-ring':
      addBlocks(t, spec, 'sent', r);
      addBlocks(t, spec, 'received', mod(r - 1, n));
      return t;
    case 'allgather-ring':
      addBlocks(t, spec, 'sent', mod(r + 1, n));
      addBlocks(t, spec, 'received', r);
      return t;
    case 'allreduce-recursive-doubling': {
      const whole = wholeArray(spec);
      const p = 2 ** Math.floor(Math.log2(n));
      const extra = n - p;
      const rounds = Math.log2(p);
      if (spec.count === 0) return t;
      if (r < 2 * extra && r % 2 === 0) return scaled(whole, 1, 1);
      return scaled(whole, rounds + (r < 2 * extra ? 1 : 0), rounds + (r < 2 * extra ? 1 : 0));
    }
    case 'alltoall-pairwise': {
      const block = spec.count / n;
      const perBlock = chunked(block * spec.elementBytes, alignedChunkBytes(spec.chunkBytes, spec.elementBytes));
      return scaled(perBlock, n - 1, n - 1);
    }
    case 'broadcast-chain': {
      const position = mod(r - spec.root, n);
      return scaled(wholeArray(spec), position < n - 1 ? 1 : 0, position > 0 ? 1 : 0);
    }
    case 'broadcast-binomial': {
      const v = mod(r - spec.root, n);
      const lowBit = v === 0 ? 2 ** Math.ceil(Math.log2(n)) : v & -v;
      let children = 0;
      for (let mask = lowBit >> 1; mask > 0; mask >>= 1) if (v + mask < n) children++;
      return scaled(wholeArray(spec), children, v > 0 ? 1 : 0);
    }
    case 'barrier-dissemination': {
      const rounds = Math.ceil(Math.log2(n));
      return { messagesSent: rounds, messagesReceived: rounds, payloadBytesSent: 0, payloadBytesReceived: 0 };
    }
    case 'alltoallv-pairwise': {
      const chunkBytes = alignedChunkBytes(spec.chunkBytes, spec.elementBytes);
      for (let p = 0; p < n; p++) {
        if (p === r) continue;
        addVariable(t, 'sent', spec.sendByteLengths[p], chunkBytes);
        addVariable(t, 'received', spec.recvByteLengths[p], chunkBytes);
      }
      return t;
    }
    case 'allgatherv-pairwise':
      // The alltoallv schedule with this rank's block sent to every peer.
      return predictTraffic({
        ...spec, algorithm: 'alltoallv-pairwise',
        sendByteLengths: spec.byteLengths.map(() => spec.byteLengths[r]), recvByteLengths: spec.byteLengths,
      });
    case 'allgatherv-ring': {
      const chunkBytes = alignedChunkBytes(spec.chunkBytes, spec.elementBytes);
      for (let b = 0; b < n; b++) {
        if (b !== mod(r + 1, n)) addVariable(t, 'sent', spec.byteLengths[b], chunkBytes);
        if (b !== r) addVariable(t, 'received', spec.byteLengths[b], chunkBytes);
      }
      return t;
    }
  }
}

/** Adds every block of the even split except `skip`, each in chunks, to one direction. */
function addBlocks(t: Traffic, spec: Dense, direction: 'sent' | 'received', skip: number): void {
  const perChunk = chunkElements(spec.chunkBytes, spec.elementBytes);
  for (let b = 0; b < spec.worldSize; b++) {
    if (b === skip) continue;
    const length = blockLength(spec.count, spec.worldSize, b);
    add(t, direction, Math.ceil(length / perChunk), length * spec.elementBytes);
  }
}

function addVariable(t: Traffic, direction: 'sent' | 'received', byteLength: number, chunkBytes: number): void {
  add(t, direction, 1 + Math.ceil(byteLength / chunkBytes), LENGTH_FRAME_BYTES + byteLength);
}

function add(t: Traffic, direction: 'sent' | 'received', messages: number, bytes: number): void {
  if (direction === 'sent') {
    t.messagesSent += messages;
    t.payloadBytesSent += bytes;
  } else {
    t.messagesReceived += messages;
    t.payloadBytesReceived += bytes;
  }
}

function wholeArray(spec: Dense): { messages: number; bytes: number } {
  return chunked(spec.count * spec.elementBytes, alignedChunkBytes(spec.chunkBytes, spec.elementBytes));
}

function chunked(byteLength: number, chunkBytes: number): { messages: number; bytes: number } {
  return { messages: Math.ceil(byteLength / chunkBytes), bytes: byteLength };
}

function scaled(unit: { messages: number; bytes: number }, sends: number, receives: number): Traffic {
  return {
    messagesSent: unit.messages * sends,
    messagesReceived: unit.messages * receives,
    payloadBytesSent: unit.bytes * sends,
    payloadBytesReceived: unit.bytes * receives,
  };
}
