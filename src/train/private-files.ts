// Run files that are safe in any directory: private modes, temp files created exclusively under random names, no symlink followed.
//
// A predictable temp name (`<file>.tmp`) lets anyone who can write to the directory plant a symlink there and
// have the next save overwrite a file of their choosing; opening with O_EXCL | O_NOFOLLOW under a random name
// refuses that, and rename() replaces a link planted at the final name instead of writing through it.

import { constants, openSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';

/** Run files are readable by their owner only: parameters and metrics of a private run are nobody else's business. */
export const PRIVATE_FILE_MODE = 0o600;
/** Directories created for a run. */
export const PRIVATE_DIR_MODE = 0o700;

const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW } = constants;

/** Creates `dir` (and missing parents) with mode 0700; an existing directory is left as it is. */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** `<path>.<16 random hex digits>.tmp`: the temp file a save of `path` writes first. */
export function tempNameFor(path: string): string {
  return `${path}.${randomBytes(8).toString('hex')}.tmp`;
}

/**
 * Replaces `path` with `chunks`, crash-safe: a fresh temp file (exclusive, O_NOFOLLOW, 0600) → write → fsync →
 * rename over `path` → fsync the directory. A crash leaves the old file or the new one, at worst a stray temp file.
 * File-system errors propagate after the temp file is removed.
 */
export async function writeFileAtomic(path: string, chunks: Iterable<Uint8Array | string>): Promise<void> {
  const tmp = tempNameFor(path);
  const file = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    try {
      for (const chunk of chunks) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        let written = 0;
        while (written < bytes.length) written += (await file.write(bytes, written, bytes.length - written)).bytesWritten;
      }
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * Opens `path` for appending (created 0600 when missing; with `exclusive`, it must not exist) without following
 * a symlink at that name: ELOOP (or EEXIST) is thrown instead. Returns the descriptor (close it with fs.closeSync).
 */
export function openAppendPrivate(path: string, options: { exclusive: boolean }): number {
  return openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | (options.exclusive ? O_EXCL : 0), PRIVATE_FILE_MODE);
}

/** Writes all of `text` at the end of the file open as `fd` (see openAppendPrivate). */
export function appendAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

