// Checkpoint files on disk: one per rank and step in <out>/checkpoints, written atomically, the last two kept.
//
// Save protocol (crash-safe): write `<name>.<random>.tmp` (created exclusively, never through a symlink, mode 0600;
// private-files.ts) → fsync it → rename to `<name>` → fsync the directory → delete this rank's checkpoints older
// than the newest two. A crash at any point leaves the previous checkpoint intact and at worst a stray temp file
// (ignored, removed by the next save). Keeping two matters
// across ranks: if the job dies while some ranks have renamed step s and others have not, every rank still
// holds the step before it, and resume picks the newest step ALL ranks have (resume.ts).

import { open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-errors.js';
import { makePrivateDir, writeFileAtomic } from './private-files.js';
import { decodeCheckpoint, decodeHeader, encodeCheckpoint, headerLengthOf, PREFIX_BYTES, type CheckpointHeader, type CheckpointMeta, type CheckpointPayload } from './checkpoint-format.js';

/** Checkpoints kept per rank. */
export const KEEP_CHECKPOINTS = 2;

/** `<out>/checkpoints`. */
export function checkpointDir(outDir: string): string {
  return join(outDir, 'checkpoints');
}

/** `step-000000300.rank-1.ckpt`: zero-padded so names sort by step. */
export function checkpointFileName(step: number, rank: number): string {
  return `step-${String(step).padStart(9, '0')}.rank-${rank}.ckpt`;
}

const NAME = /^step-(\d{9,})\.rank-(\d+)\.ckpt$/;

/** A temp file of a save: `<checkpoint name>.<random hex>.tmp` (or `.tmp` alone, as older versions wrote). */
const TEMP = /^(.+?)(?:\.[0-9a-f]{16})?\.tmp$/;

/** File names in `dir`, or none when the directory does not exist yet. */
async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Steps of the finished checkpoints of `rank` in `dir`, ascending ([] when the directory does not exist). */
export async function listCheckpointSteps(dir: string, rank: number): Promise<number[]> {
  const names = await namesIn(dir);
  const steps: number[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (m && Number(m[2]) === rank) steps.push(Number(m[1]));
  }
  return steps.sort((a, b) => a - b);
}

/** Ranks that have at least one finished checkpoint in `dir`. */
export async function ranksWithCheckpoints(dir: string): Promise<number[]> {
  const names = await namesIn(dir);
  const ranks = new Set<number>();
  for (const name of names) {
    const m = NAME.exec(name);
    if (m) ranks.add(Number(m[2]));
  }
  return [...ranks].sort((a, b) => a - b);
}

/**
 * Writes this rank's checkpoint for `meta.step` with the save protocol above and prunes older ones.
 * Resolves to the file's path and size. File-system errors propagate (the previous checkpoint is untouched).
 */
export async function saveCheckpoint(dir: string, meta: CheckpointMeta, payload: CheckpointPayload): Promise<{ path: string; byteLength: number }> {
  await makePrivateDir(dir);
  const path = join(dir, checkpointFileName(meta.step, meta.rank));
  const { chunks, byteLength } = encodeCheckpoint(meta, payload);
  await writeFileAtomic(path, chunks);
  await prune(dir, meta.rank);
  return { path, byteLength };
}

/** Reads and verifies a whole checkpoint. Throws CheckpointError (corrupt, version) naming the file; ENOENT propagates. */
export async function loadCheckpoint(path: string): Promise<{ header: CheckpointHeader } & CheckpointPayload> {
  const bytes = await readFile(path);
  return decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** Reads only the prefix and header (no checksum over the payload): which run a file belongs to. */
export async function readCheckpointHeader(path: string): Promise<CheckpointHeader> {
  const file = await open(path, 'r');
  try {
    const prefix = new Uint8Array(PREFIX_BYTES);
    const { bytesRead } = await file.read(prefix, 0, PREFIX_BYTES, 0);
    if (bytesRead < PREFIX_BYTES) return decodeHeader(prefix.subarray(0, bytesRead), path).header;
    const headerEnd = headerLengthOf(prefix);
    if (headerEnd > 16 * 1024 * 1024) throw new CheckpointError('checkpoint_corrupt', path, `implausible header length ${headerEnd - PREFIX_BYTES}`);
    const bytes = new Uint8Array(headerEnd);
    const read = (await file.read(bytes, 0, headerEnd, 0)).bytesRead;
    return decodeHeader(bytes.subarray(0, read), path).header;
  } finally {
    await file.close();
  }
}

async function prune(dir: string, rank: number): Promise<void> {
  const steps = await listCheckpointSteps(dir, rank);
  for (const step of steps.slice(0, Math.max(0, steps.length - KEEP_CHECKPOINTS))) {
    await rm(join(dir, checkpointFileName(step, rank)), { force: true });
  }
  for (const name of await readdir(dir)) {
    const finished = TEMP.exec(name)?.[1];
    const m = finished === undefined ? null : NAME.exec(finished);
    if (m && Number(m[2]) === rank) await rm(join(dir, name), { force: true });
  }
}
