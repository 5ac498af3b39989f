// Wire traffic of the compressed collectives: closed forms of the variable-size schedules they are built from.
//
// Each compressed collective is one or two ProcessGroup calls (alltoallv, allgatherv, allreduce); these
// functions count the messages those calls put on the wire, exactly as src/comm/collectives sends them,
// so tests can hold the group's byte counters equal to them (docs/algorithms.md, "Compressed collectives").

import type { OpStats } from '../../comm/process-group.js';
import { alignedChunkBytes } from '../../comm/collectives/chunked.js';
import { DEFAULT_CHUNK_BYTES } from '../../comm/collectives/context.js';
import { mod } from '../../comm/collectives/partition.js';
import { LENGTH_FRAME_BYTES } from '../../comm/collectives/variable-blocks.js';
import { FRAME_HEADER_BYTES } from '../../comm/transport/frame.js';

/** Messages and bytes (payload plus one frame header per message) one rank sends and receives in one call. */
export interface WireTraffic {
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

/** What one run of a compressed collective moved, from the group's per-call counters. */
export interface MeasuredTraffic extends WireTraffic {
  /** Sum of the group calls' elapsed times. */
  elapsedMs: number;
  /** The group calls the run made, in order (empty for one rank: nothing is sent). */
  phases: OpStats[];
}

/** Group settings that change the message count; both must equal the ProcessGroup's and transport's. */
export interface TrafficSettings {
  /** ProcessGroupOptions.chunkBytes. Default 1 MiB (the group's default). */
  chunkBytes?: number;
  /** Frame header bytes counted per message. Default 32 (lion-cub frames; the memory transport's default). */
  headerBytes?: number;
}

export function zeroTraffic(): WireTraffic {
  return { messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0 };
}

export function addTraffic(a: WireTraffic, b: WireTraffic): WireTraffic {
  return {
    messagesSent: a.messagesSent + b.messagesSent,
    messagesReceived: a.messagesReceived + b.messagesReceived,
    bytesSent: a.bytesSent + b.bytesSent,
    bytesReceived: a.bytesReceived + b.bytesReceived,
  };
}

interface Resolved { chunkBytes: number; headerBytes: number }

function resolve(settings: TrafficSettings, elementBytes: number): Resolved {
  return {
    chunkBytes: alignedChunkBytes(settings.chunkBytes ?? DEFAULT_CHUNK_BYTES, elementBytes),
    headerBytes: settings.headerBytes ?? FRAME_HEADER_BYTES,
  };
}

/**
 * One variable-size block of `byteLength` bytes: a length frame (4-byte payload) and ⌈byteLength / c⌉ chunks
 * (none when empty), so 1 + ⌈b/c⌉ messages and 4 + b + H·(1 + ⌈b/c⌉) bytes.
 */
function variableBlock(byteLength: number, s: Resolved): { messages: number; bytes: number } {
  const messages = 1 + Math.ceil(byteLength / s.chunkBytes);
  return { messages, bytes: LENGTH_FRAME_BYTES + byteLength + s.headerBytes * messages };
}

/**
 * ProcessGroup.alltoallv (pairwise): to every peer p ≠ r the block `sendBytes(p)`, from every peer p ≠ r the
 * block `recvBytes(p)`, each as a length frame plus chunks. Nothing for one rank.
 */
export function alltoallvTraffic(
  worldSize: number, rank: number, elementBytes: number,
  sendBytes: (peer: number) => number, recvBytes: (peer: number) => number, settings: TrafficSettings = {},
): WireTraffic {
  const s = resolve(settings, elementBytes);
  const t = zeroTraffic();
  for (let p = 0; p < worldSize && worldSize > 1; p++) {
    if (p === rank) continue;
    const out = variableBlock(sendBytes(p), s);
    const into = variableBlock(recvBytes(p), s);
    t.messagesSent += out.messages;
    t.bytesSent += out.bytes;
    t.messagesReceived += into.messages;
    t.bytesReceived += into.bytes;
  }
  return t;
}

/**
 * ProcessGroup.allgatherv (pairwise): rank r sends its own block to every peer and receives every peer's block,
 * each as a length frame plus chunks. Nothing for one rank.
 */
export function allgathervPairwiseTraffic(
  worldSize: number, rank: number, elementBytes: number, blockBytes: (block: number) => number, settings: TrafficSettings = {},
): WireTraffic {
  return alltoallvTraffic(worldSize, rank, elementBytes, () => blockBytes(rank), blockBytes, settings);
}

/**
 * ProcessGroup.allgatherv (ring): rank r forwards every block but that of its right neighbour r+1 (which
 * started the block's trip) and receives every block but its own, each as a length frame plus chunks.
 */
export function allgathervTraffic(
  worldSize: number, rank: number, elementBytes: number, blockBytes: (block: number) => number, settings: TrafficSettings = {},
): WireTraffic {
  const s = resolve(settings, elementBytes);
  const t = zeroTraffic();
  if (worldSize === 1) return t;
  const right = mod(rank + 1, worldSize);
  for (let b = 0; b < worldSize; b++) {
    const block = variableBlock(blockBytes(b), s);
    if (b !== right) {
      t.messagesSent += block.messages;
      t.bytesSent += block.bytes;
    }
    if (b !== rank) {
      t.messagesReceived += block.messages;
      t.bytesReceived += block.bytes;
    }
  }
  return t;
}
