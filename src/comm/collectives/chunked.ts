// Sending and receiving one contiguous byte range as a sequence of chunk-sized messages.

import type { CollectiveLink } from './link.js';

/** Chunk size in bytes for a given element size: whole elements, at least one. */
export function alignedChunkBytes(chunkBytes: number, elementBytes: number): number {
  return Math.max(1, Math.floor(chunkBytes / elementBytes)) * elementBytes;
}

/**
 * Sends `bytes` to `peer` as ⌈byteLength / chunkBytes⌉ messages (none when empty), in order.
 * Not awaited: the caller flushes the link before modifying `bytes`.
 */
export function sendChunks(link: CollectiveLink, peer: number, bytes: Uint8Array, chunkBytes: number): void {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
    void link.send(peer, bytes.subarray(offset, Math.min(bytes.byteLength, offset + chunkBytes)));
  }
}

/**
 * Receives `into.byteLength` bytes from `peer` as the messages sendChunks produces, calling
 * `onChunk(offset, byteLength)` after each one arrives (e.g. to forward it) while the next receive is already posted.
 */
export async function recvChunks(
  link: CollectiveLink,
  peer: number,
  into: Uint8Array,
  chunkBytes: number,
  onChunk?: (offset: number, byteLength: number) => void,
): Promise<void> {
  const total = into.byteLength;
  if (total === 0) return;
  let pending = link.recv(peer, into.subarray(0, Math.min(total, chunkBytes)));
  for (let offset = 0; offset < total; offset += chunkBytes) {
    await pending;
    const next = offset + chunkBytes;
    if (next < total) pending = link.recv(peer, into.subarray(next, Math.min(total, next + chunkBytes)));
    onChunk?.(offset, Math.min(chunkBytes, total - offset));
  }
}
