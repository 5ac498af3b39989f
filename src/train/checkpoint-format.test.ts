// Tests of the checkpoint file format and store: round trip, every damaged byte, truncation, versions, keep-two, temporary files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, PREFIX_BYTES, type CheckpointMeta } from './checkpoint-format.js';
import { CheckpointError } from './checkpoint-errors.js';
import { checkpointFileName, listCheckpointSteps, loadCheckpoint, readCheckpointHeader, saveCheckpoint } from './checkpoint-store.js';

function meta(step: number, rank = 0, numParams = 37): CheckpointMeta {
  return {
    rank, worldSize: 2, step, epoch: 1, stepInEpoch: 3, seed: 7, numParams, strategy: 'lion',
    trajectory: { workload: 'synthetic', worldSize: 2, sync: 'lion', lr: 0.001 }, trajectoryHash: 'ab'.repeat(32),
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

function payload(n: number, seed: number): { params: Float32Array; momentum: Float32Array } {
  const params = Float32Array.from({ length: n }, (_, i) => Math.sin(i + seed) * 1e3);
  const momentum = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -0 : Math.cos(i * seed) * 1e-7));
  params[0] = Number.NaN;
  return { params, momentum };
}

function bytesOf(meta: CheckpointMeta, p: ReturnType<typeof payload>): Uint8Array {
  const { chunks, byteLength } = encodeCheckpoint(meta, p);
  const out = new Uint8Array(byteLength);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  assert.equal(at, byteLength);
  return out;
}

test('encode → decode returns the header and both arrays bit for bit (NaN and −0 included)', () => {
  for (const n of [0, 1, 37, 1001]) {
    const p = payload(n, 3);
    const bytes = bytesOf(meta(12, 1, n), p);
    const decoded = decodeCheckpoint(bytes, 'x.ckpt');
    assert.equal(decoded.header.step, 12);
    assert.equal(decoded.header.rank, 1);
    assert.deepEqual(decoded.header.trajectory, meta(12).trajectory);
    assert.deepEqual(new Uint8Array(decoded.params.buffer), new Uint8Array(p.params.buffer));
    assert.deepEqual(new Uint8Array(decoded.momentum.buffer), new Uint8Array(p.momentum.buffer));
    for (const s of decoded.header.sections) assert.equal(s.offset % 4, 0); // float32-aligned
  }
});

test('every damaged byte, any truncation and trailing garbage are caught as checkpoint_corrupt naming the file', () => {
  const bytes = bytesOf(meta(5, 0, 9), payload(9, 1));
  for (let i = 0; i < bytes.length; i++) {
    const bad = bytes.slice();
    bad[i] ^= 0x10;
    assert.throws(() => decodeCheckpoint(bad, 'r0.ckpt'), (e: unknown) => e instanceof CheckpointError && ['checkpoint_corrupt', 'checkpoint_version'].includes(e.code) && e.path === 'r0.ckpt', `byte ${i}`);
  }
  for (const length of [0, 10, PREFIX_BYTES, PREFIX_BYTES + 5, bytes.length - 1]) {
    assert.throws(() => decodeCheckpoint(bytes.subarray(0, length), 'r0.ckpt'), { code: 'checkpoint_corrupt', message: /r0\.ckpt: .*truncated/ });
  }
  const longer = new Uint8Array(bytes.length + 4);
  longer.set(bytes);
  assert.throws(() => decodeCheckpoint(longer, 'r0.ckpt'), { code: 'checkpoint_corrupt', message: /unexpected bytes/ });
  const notOurs = bytes.slice();
  notOurs.set(new TextEncoder().encode('PK\u0003\u0004'), 0);
  assert.throws(() => decodeCheckpoint(notOurs, 'r0.ckpt'), { code: 'checkpoint_corrupt', message: /not a lion-cub checkpoint/ });
});

test('a newer format version is refused with checkpoint_version', () => {
  const bytes = bytesOf(meta(5, 0, 4), payload(4, 1));
  new DataView(bytes.buffer).setUint32(8, 99, true);
  assert.throws(() => decodeCheckpoint(bytes, 'f'), { code: 'checkpoint_version', message: /f: format version 99; this build reads versions 1 and 2/ });
});

test('version 1 files (no data position) still decode; the data position round-trips; a malformed one is corrupt', () => {
  // Version 1 wrote this exact layout without `data`; the version word is outside the checksum.
  const v1 = bytesOf(meta(5, 0, 4), payload(4, 1));
  new DataView(v1.buffer).setUint32(8, 1, true);
  const old = decodeCheckpoint(v1, 'old.ckpt');
  assert.equal(old.header.data, undefined);
  assert.equal(old.header.step, 5);
  const data = { epoch: 1, examplesConsumed: 36, globalBatchSize: 12, numExamples: 100, seed: 7, order: 'natural', orderSha256: 'ab'.repeat(8) };
  const v2 = bytesOf({ ...meta(5, 0, 4), data }, payload(4, 1));
  assert.equal(new DataView(v2.buffer).getUint32(8, true), 2);
  assert.deepEqual(decodeCheckpoint(v2, 'new.ckpt').header.data, data);
  const malformed = bytesOf({ ...meta(5, 0, 4), data: { ...data, examplesConsumed: 'x' as unknown as number } }, payload(4, 1));
  assert.throws(() => decodeCheckpoint(malformed, 'm.ckpt'), { code: 'checkpoint_corrupt', message: /header field data is missing or malformed/ });
});

test('the store writes atomically, keeps the newest two per rank, and removes stray temporary files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lion-cub-ckpt-'));
  try {
    await writeFile(join(dir, `${checkpointFileName(1, 0)}.tmp`), 'half a file');
    for (const step of [1, 2, 3]) {
      for (const rank of [0, 1]) await saveCheckpoint(dir, meta(step, rank), payload(37, step + rank));
    }
    assert.deepEqual(await listCheckpointSteps(dir, 0), [2, 3]);
    assert.deepEqual(await listCheckpointSteps(dir, 1), [2, 3]);
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.tmp')), []);
    const path = join(dir, checkpointFileName(3, 1));
    const loaded = await loadCheckpoint(path);
    assert.deepEqual(new Uint8Array(loaded.params.buffer), new Uint8Array(payload(37, 4).params.buffer));
    assert.equal((await readCheckpointHeader(path)).step, 3);

    const raw = await readFile(path);
    await writeFile(path, raw.subarray(0, raw.length - 3));
    await assert.rejects(loadCheckpoint(path), (e: unknown) => e instanceof CheckpointError && e.code === 'checkpoint_corrupt' && e.message.includes(path));
    // The header alone is still readable (it is what the CLI checks before starting workers).
    assert.equal((await readCheckpointHeader(path)).rank, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('listing a missing directory gives no steps', async () => {
  assert.deepEqual(await listCheckpointSteps('/nonexistent/lion-cub/checkpoints', 0), []);
});
