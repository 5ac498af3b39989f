// Length frames of the variable-size collectives: each block is announced by a 4-byte length before its chunks.

import { MismatchError, ProtocolError } from '../errors.js';
import type { CollectiveLink } from './link.js';

/** Largest block a length frame may announce (2 GiB − 1): a garbled length fails here instead of in an allocation. */
export const MAX_VARIABLE_BLOCK_BYTES = 0x7fffffff;

/** What a receiver accepts as block lengths: the exact ones when the caller knows them, else at most `maxByteLength`. */
export interface BlockLengthLimits {
  expected?: readonly number[];
  maxByteLength: number;
  /** Caller-owned receive buffers (index = sender), each of its expected length: blocks land there instead of in new arrays. */
  into?: readonly Uint8Array[];
}

/** Where the block of `index` (byteLength bytes, already checked) is received: the caller's buffer, else a new array. */
export function receiveBuffer(limits: BlockLengthLimits, index: number, byteLength: number): Uint8Array {
  return limits.into?.[index] ?? new Uint8Array(byteLength);
}

/** This rank's own block in the result: a copy, into the caller's buffer when one is given. */
export function ownCopy(limits: BlockLengthLimits, index: number, block: Uint8Array): Uint8Array {
  const into = limits.into?.[index];
  if (into === undefined) return block.slice();
  if (into !== block) into.set(block);
  return into;
}

/** Bytes of one length frame's payload (a little-endian uint32). */
export const LENGTH_FRAME_BYTES = 4;

/** The 4 payload bytes of words[index], sharing memory (the word must stay unchanged until the send resolves). */
export function wordBytes(words: Uint32Array, index: number): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset + index * 4, 4);
}

/**
 * Receives the length frame of the block `from` sends next into words[index] and checks it: a whole number of
 * elements, equal to `limits.expected[index]` when the caller knows the length, else at most
 * `limits.maxByteLength`, so that a peer cannot make this rank allocate what it likes.
 * Throws MismatchError (expected length differs) or ProtocolError (impossible or too long), naming `from`.
 */
export async function recvBlockLength(
  link: CollectiveLink,
  from: number,
  words: Uint32Array,
  index: number,
  elementBytes: number,
  limits: BlockLengthLimits,
  op: string,
): Promise<number> {
  await link.recv(from, wordBytes(words, index));
  const byteLength = words[index];
  const expected = limits.expected?.[index];
  if (byteLength % elementBytes !== 0 || byteLength > MAX_VARIABLE_BLOCK_BYTES) {
    throw new ProtocolError(`rank ${from} announced a block of ${byteLength} bytes, not a whole number of ${elementBytes}-byte elements below 2 GiB`, { op, rank: link.rank, peer: from });
  }
  if (expected === undefined && byteLength > limits.maxByteLength) {
    throw new ProtocolError(`rank ${from} announced a block of ${byteLength} bytes, over this call's maxByteLength of ${limits.maxByteLength}`, { op, rank: link.rank, peer: from });
  }
  if (expected !== undefined && expected !== byteLength) {
    throw new MismatchError(`rank ${link.rank} expected a block of ${expected} bytes from rank ${from}, which sent ${byteLength}`, { op, rank: link.rank, peer: from });
  }
  return byteLength;
}
