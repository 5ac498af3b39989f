// Single-core cost of the record layer and of the primitives it was chosen from (docs/wire-format.md, "Records").
//
// Run: node --import tsx src/bench/comm/record-throughput.ts [MiB per case, default 256]
// Prints GB/s (10^9 bytes/s) per case over 1 MiB messages, then the µs one 4 KiB record costs; medians of 5
// passes, from the process's CPU time (user + system, all threads), which moves less with other processes'
// load than wall time does; a plain copy of the same bytes is the yardstick.

import { createCipheriv, createDecipheriv, createHmac, randomBytes, type CipherGCM, type CipherGCMTypes, type DecipherGCM } from 'node:crypto';
import { RECORD_CIPHER, RECORD_KEY_BYTES, RecordOpener, RecordSealer, type DirectionKeys } from '../../comm/transport/record-layer.js';

const MESSAGE = 2 ** 20;
const totalMiB = Number(process.argv[2] ?? 256);
const rounds = Math.max(1, Math.round(totalMiB));
const data = randomBytes(MESSAGE);
const copyTarget = Buffer.allocUnsafe(MESSAGE);
const iv = Buffer.alloc(12);
const keys: DirectionKeys = { key: randomBytes(RECORD_KEY_BYTES), iv: randomBytes(12) };

/** The AEADs compared (ChaCha20-Poly1305 takes the same options as GCM at runtime). */
type Aead = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
const KEY_BYTES: Record<Aead, number> = { 'aes-128-gcm': 16, 'aes-256-gcm': 32, 'chacha20-poly1305': 32 };
const aeadKeys = new Map<Aead, Buffer>((Object.keys(KEY_BYTES) as Aead[]).map((a) => [a, randomBytes(KEY_BYTES[a])]));

/**
 * One message through `aead` as records of `recordBytes` (a new cipher context, AAD and tag per record, like
 * the record layer), each record's body passed to update() in slices of at most `sliceBytes`.
 */
function sealAs(aead: Aead, recordBytes: number, sliceBytes = recordBytes): (i: number) => void {
  return (i) => {
    for (let at = 0; at < MESSAGE; at += recordBytes) {
      iv.writeUInt32LE(i, 0);
      iv.writeUInt32LE(at, 4);
      const c = createCipheriv(aead as CipherGCMTypes, aeadKeys.get(aead)!, iv, { authTagLength: 16 }) as CipherGCM;
      c.setAAD(iv.subarray(0, 4));
      const end = Math.min(MESSAGE, at + recordBytes);
      for (let s = at; s < end; s += sliceBytes) c.update(data.subarray(s, Math.min(end, s + sliceBytes)));
      c.final();
      c.getAuthTag();
    }
  };
}

/** Decrypting one message through `aead` as records of `recordBytes` (wrong tags: only the work is measured). */
function openAs(aead: Aead, recordBytes: number): () => void {
  const wrongTag = Buffer.alloc(16);
  return () => {
    for (let at = 0; at < MESSAGE; at += recordBytes) {
      const d = createDecipheriv(aead as CipherGCMTypes, aeadKeys.get(aead)!, iv, { authTagLength: 16 }) as DecipherGCM;
      d.setAAD(iv.subarray(0, 4));
      d.update(data.subarray(at, Math.min(MESSAGE, at + recordBytes)));
      d.setAuthTag(wrongTag);
      try {
        d.final();
      } catch {
        // expected: the tag does not match
      }
    }
  };
}

const KiB64 = 64 * 1024;
const KiB256 = 256 * 1024;
const cases: Record<string, () => (i: number) => void> = {
  'copy (yardstick)': () => () => { copyTarget.set(data); },
  // The AEADs as the record layer uses them: a context per record of a 256 KiB frame.
  'AES-128-GCM encrypt': () => sealAs('aes-128-gcm', KiB256),
  'AES-128-GCM decrypt': () => openAs('aes-128-gcm', KiB256),
  'AES-256-GCM encrypt': () => sealAs('aes-256-gcm', KiB256),
  'AES-256-GCM decrypt': () => openAs('aes-256-gcm', KiB256),
  'ChaCha20-Poly1305 encrypt': () => sealAs('chacha20-poly1305', KiB256),
  'ChaCha20-Poly1305 decrypt': () => openAs('chacha20-poly1305', KiB256),
  'GMAC (data as AAD)': () => (i) => {
    iv.writeUInt32LE(i, 0);
    const c = createCipheriv(RECORD_CIPHER, aeadKeys.get(RECORD_CIPHER)!, iv);
    c.setAAD(data);
    c.final();
    c.getAuthTag();
  },
  'HMAC-SHA256': () => () => { createHmac('sha256', keys.key).update(data).digest(); },
  // Record size and update() size: each update() allocates its output (twice, see docs/wire-format.md).
  'AES-256-GCM 16 KiB records': () => sealAs(RECORD_CIPHER, 16 * 1024),
  'AES-256-GCM 64 KiB records': () => sealAs(RECORD_CIPHER, KiB64),
  'AES-256-GCM 1 MiB records': () => sealAs(RECORD_CIPHER, MESSAGE),
  'AES-256-GCM 1 MiB, 64 KiB updates': () => sealAs(RECORD_CIPHER, MESSAGE, KiB64),
  'records: seal encrypt': () => sealCase('encrypt'),
  'records: seal integrity': () => sealCase('integrity'),
  'records: open encrypt': () => openCase('encrypt'),
  'records: open integrity': () => openCase('integrity'),
};

function sealCase(mode: 'encrypt' | 'integrity'): () => void {
  const sealer = new RecordSealer(mode, keys);
  return () => sealer.seal([data]);
}

/** Opens pre-sealed streams (8 messages, reused by re-creating the opener so the nonces match). */
function openCase(mode: 'encrypt' | 'integrity'): (i: number) => void {
  const sealer = new RecordSealer(mode, keys);
  const streams = Array.from({ length: 8 }, () => {
    return Buffer.concat(sealer.seal([data]).flat());
  });
  let opener = new RecordOpener(mode, keys, () => {}, 'bench');
  return (i) => {
    if (i % streams.length === 0) opener = new RecordOpener(mode, keys, () => {}, 'bench');
    const stream = streams[i % streams.length];
    for (let at = 0; at < stream.length; at += 65536) opener.push(stream.subarray(at, at + 65536)); // socket-sized chunks
  };
}

function timePass(run: (i: number) => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < rounds; i++) run(i);
  const used = process.cpuUsage(start);
  return (rounds * MESSAGE) / ((used.user + used.system) * 1000);
}

for (const [name, make] of Object.entries(cases)) {
  const run = make();
  const passes = Array.from({ length: 5 }, () => timePass(run)).sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(36)} ${passes[2].toFixed(2)} GB/s\n`);
}

/** CPU µs per call of `run`, median of 5 passes of `count` calls. */
function microsPerRecord(count: number, run: (i: number) => void): number {
  const passes = Array.from({ length: 5 }, () => {
    const start = process.cpuUsage();
    for (let i = 0; i < count; i++) run(i);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / count;
  }).sort((a, b) => a - b);
  return passes[2];
}

// The fixed cost of a record (cipher context, AAD, tag, allocations) beside the cipher's per-byte work.
const small = data.subarray(0, 4096);
const smallKeys = aeadKeys.get(RECORD_CIPHER)!;
const wrongTag = Buffer.alloc(16);
const sealSmall = (i: number): void => {
  iv.writeUInt32LE(i, 0);
  const c = createCipheriv(RECORD_CIPHER, smallKeys, iv);
  c.setAAD(iv.subarray(0, 4));
  c.update(small);
  c.final();
  c.getAuthTag();
};
const openSmall = (i: number): void => {
  iv.writeUInt32LE(i, 0);
  const d = createDecipheriv(RECORD_CIPHER, smallKeys, iv);
  d.setAAD(iv.subarray(0, 4));
  d.update(small);
  d.setAuthTag(wrongTag);
  try {
    d.final();
  } catch {
    // expected: the tag does not match
  }
};
process.stdout.write(`${'AES-256-GCM 4 KiB record: seal'.padEnd(36)} ${microsPerRecord(20_000, sealSmall).toFixed(2)} µs\n`);
process.stdout.write(`${'AES-256-GCM 4 KiB record: open'.padEnd(36)} ${microsPerRecord(20_000, openSmall).toFixed(2)} µs\n`);
