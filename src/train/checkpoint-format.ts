// The checkpoint file layout: a fixed prefix with a sha256, a JSON header, then raw float32 sections.
//
//   offset 0   8 bytes   magic "LCUBCKPT"
//          8   uint32 LE format version (2; version 1 files, without the data position, are read too)
//         12   uint32 LE H = byte length of the JSON header
//         16   32 bytes  sha256 of every byte from offset 48 to the end of the file
//         48   H bytes   header JSON (UTF-8), see CheckpointHeader
//     48 + H   zero padding to a multiple of 8
//              sections at the offsets the header lists: float32 little-endian arrays
//
// The checksum covers header and payload, so truncation and bit flips anywhere after the prefix are caught;
// a damaged prefix fails the magic, version or length checks, or leaves the checksum unmatched.

import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { CheckpointError } from './checkpoint-errors.js';
import type { Trajectory } from './fingerprint.js';
import { isDataPosition, type DataPosition } from '../workloads/data-position.js';

export const CHECKPOINT_MAGIC = 'LCUBCKPT';
/** The version written. 2 added the header's `data` (the job's data position); the layout is unchanged. */
export const CHECKPOINT_VERSION = 2;
/** Versions this build reads. */
export const READABLE_CHECKPOINT_VERSIONS: readonly number[] = [1, 2];
export const PREFIX_BYTES = 48;

export interface CheckpointSection {
  name: 'params' | 'momentum';
  /** From the start of the file. */
  offset: number;
  byteLength: number;
}

/** What a checkpoint says about itself. */
export interface CheckpointHeader {
  rank: number;
  worldSize: number;
  /** Optimizer steps completed. */
  step: number;
  /** Data position the next step reads: epoch and global batch within it (derived from step; recorded for humans and checks). */
  epoch: number;
  stepInEpoch: number;
  /** The sampler's shuffling seed: with step it fixes every later batch (the loop keeps no other random state). */
  seed: number;
  /**
   * The whole job's position in its data (epoch, examples of it consumed, order identity): where a resume on any
   * number of ranks continues. Absent in version 1 files and for runs whose sampler does not know it (fit state).
   */
  data?: DataPosition;
  numParams: number;
  /** The strategy's canonical name. */
  strategy: string;
  trajectory: Trajectory;
  trajectoryHash: string;
  /** Always 'LE' (files are written and read little-endian only). */
  byteOrder: 'LE';
  sections: CheckpointSection[];
  /** ISO time of writing (information only). */
  createdAt: string;
}

export type CheckpointMeta = Omit<CheckpointHeader, 'sections' | 'byteOrder'>;

export interface CheckpointPayload {
  params: Float32Array;
  momentum: Float32Array;
}

/** The file as byte chunks (prefix, header, padding, params bytes, momentum bytes) and their total length. */
export function encodeCheckpoint(meta: CheckpointMeta, payload: CheckpointPayload): { chunks: Uint8Array[]; byteLength: number } {
  requireLittleEndian('(writing a checkpoint)');
  const sectionBytes = meta.numParams * 4;
  if (payload.params.length !== meta.numParams || payload.momentum.length !== meta.numParams) {
    throw new RangeError(`checkpoint payload of ${payload.params.length}/${payload.momentum.length} values for ${meta.numParams} parameters`);
  }
  // The header states the section offsets, which depend on the header's own length: settle it in two passes
  // (offsets are written at a fixed width, so the length cannot change between them).
  const headerFor = (dataStart: number): CheckpointHeader => ({
    ...meta,
    byteOrder: 'LE',
    sections: [
      { name: 'params', offset: dataStart, byteLength: sectionBytes },
      { name: 'momentum', offset: dataStart + sectionBytes, byteLength: sectionBytes },
    ],
  });
  const FIXED = 1e15; // 16 digits, larger than any offset
  const draft = new TextEncoder().encode(JSON.stringify(headerFor(FIXED)));
  const dataStart = align8(PREFIX_BYTES + draft.length);
  let json = JSON.stringify(headerFor(dataStart));
  json += ' '.repeat(draft.length - new TextEncoder().encode(json).length);
  const header = new TextEncoder().encode(json);
  const padding = new Uint8Array(dataStart - PREFIX_BYTES - header.length);
  const params = new Uint8Array(payload.params.buffer, payload.params.byteOffset, sectionBytes);
  const momentum = new Uint8Array(payload.momentum.buffer, payload.momentum.byteOffset, sectionBytes);

  const hash = createHash('sha256');
  for (const part of [header, padding, params, momentum]) hash.update(part);
  const prefix = new Uint8Array(PREFIX_BYTES);
  prefix.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  const view = new DataView(prefix.buffer);
  view.setUint32(8, CHECKPOINT_VERSION, true);
  view.setUint32(12, header.length, true);
  prefix.set(hash.digest(), 16);
  return { chunks: [prefix, header, padding, params, momentum], byteLength: dataStart + 2 * sectionBytes };
}

/**
 * Parses the prefix and header of `bytes` (which may be just the file's beginning) without checking the
 * checksum: enough to read what run a file belongs to. Throws CheckpointError checkpoint_corrupt or
 * checkpoint_version naming `path`.
 */
export function decodeHeader(bytes: Uint8Array, path: string): { header: CheckpointHeader; headerEnd: number } {
  if (bytes.length < PREFIX_BYTES) throw new CheckpointError('checkpoint_corrupt', path, `truncated: ${bytes.length} bytes, shorter than the ${PREFIX_BYTES}-byte prefix`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== CHECKPOINT_MAGIC) throw new CheckpointError('checkpoint_corrupt', path, `not a lion-cub checkpoint (magic ${JSON.stringify(magic)}, expected ${JSON.stringify(CHECKPOINT_MAGIC)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (!READABLE_CHECKPOINT_VERSIONS.includes(version)) {
    throw new CheckpointError('checkpoint_version', path, `format version ${version}; this build reads versions ${READABLE_CHECKPOINT_VERSIONS.join(' and ')} (written by a newer lion-cub? resume with that version)`);
  }
  const headerLength = view.getUint32(12, true);
  const headerEnd = PREFIX_BYTES + headerLength;
  if (bytes.length < headerEnd) throw new CheckpointError('checkpoint_corrupt', path, `truncated inside the header (${bytes.length} bytes, header ends at ${headerEnd})`);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, headerEnd))) as CheckpointHeader;
  } catch (error) {
    throw new CheckpointError('checkpoint_corrupt', path, `unreadable header (${(error as Error).message})`, [], { cause: error });
  }
  checkHeaderShape(header, path);
  return { header, headerEnd };
}

/** Header bytes needed before decodeHeader can succeed: the prefix says. */
export function headerLengthOf(prefix: Uint8Array): number {
  return PREFIX_BYTES + new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(12, true);
}

/**
 * Verifies and decodes a whole file. Throws CheckpointError checkpoint_corrupt (truncated, checksum, bad
 * sections) or checkpoint_version, naming `path`.
 */
export function decodeCheckpoint(bytes: Uint8Array, path: string): { header: CheckpointHeader } & CheckpointPayload {
  requireLittleEndian(path);
  const { header } = decodeHeader(bytes, path);
  const expectedLength = Math.max(...header.sections.map((s) => s.offset + s.byteLength));
  if (bytes.length < expectedLength) throw new CheckpointError('checkpoint_corrupt', path, `truncated: ${bytes.length} bytes, the header promises ${expectedLength}`);
  if (bytes.length > expectedLength) throw new CheckpointError('checkpoint_corrupt', path, `${bytes.length - expectedLength} unexpected bytes after the last section`);
  const stored = Buffer.from(bytes.subarray(16, PREFIX_BYTES)).toString('hex');
  const actual = createHash('sha256').update(bytes.subarray(PREFIX_BYTES)).digest('hex');
  if (stored !== actual) throw new CheckpointError('checkpoint_corrupt', path, `sha256 mismatch: the file says ${stored.slice(0, 16)}…, its contents hash to ${actual.slice(0, 16)}… (damaged or partly written)`);
  const section = (name: CheckpointSection['name']): Float32Array => {
    const s = header.sections.find((x) => x.name === name)!;
    // A copy: the file buffer's offsets need not be 4-byte aligned.
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset + s.offset, bytes.byteOffset + s.offset + s.byteLength));
  };
  return { header, params: section('params'), momentum: section('momentum') };
}

function checkHeaderShape(h: CheckpointHeader, path: string): void {
  const bad = (what: string): never => { throw new CheckpointError('checkpoint_corrupt', path, `header field ${what} is missing or malformed`); };
  for (const key of ['rank', 'worldSize', 'step', 'epoch', 'stepInEpoch', 'seed', 'numParams'] as const) {
    if (!Number.isSafeInteger(h?.[key])) bad(key);
  }
  if (typeof h.strategy !== 'string') bad('strategy');
  if (h.data !== undefined && !isDataPosition(h.data)) bad('data');
  if (typeof h.trajectoryHash !== 'string') bad('trajectoryHash');
  if (h.trajectory === null || typeof h.trajectory !== 'object') bad('trajectory');
  if (h.byteOrder !== 'LE') bad('byteOrder');
  if (!Array.isArray(h.sections)) bad('sections');
  for (const name of ['params', 'momentum'] as const) {
    const s = h.sections.find((x) => x?.name === name);
    if (!s || !Number.isSafeInteger(s.offset) || s.offset < PREFIX_BYTES || s.byteLength !== h.numParams * 4) bad(`sections.${name}`);
  }
}

function requireLittleEndian(context: string): void {
  if (endianness() !== 'LE') throw new CheckpointError('checkpoint_version', context, 'checkpoints are little-endian and this machine is big-endian');
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
