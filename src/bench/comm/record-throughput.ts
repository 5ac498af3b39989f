// Single-core throughput of the record layer and of the primitives it was chosen from (docs/wire-format.md, "Records").
//
// Run: node --import tsx src/bench/comm/record-throughput.ts [MiB per case, default 256]
// Prints GB/s (10^9 bytes/s) per case, 1 MiB messages, median of 5 passes; a plain copy of the same bytes is the
// yardstick, since absolute speeds move with the machine's load.

import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { RecordOpener, RecordSealer } from '../../comm/transport/record-layer.js';

const MESSAGE = 2 ** 20;
const totalMiB = Number(process.argv[2] ?? 256);
const rounds = Math.max(1, Math.round(totalMiB));
const key = randomBytes(32);
const data = randomBytes(MESSAGE);
const iv = Buffer.alloc(12);

function gcmTagged(i: number): { ct: Buffer; tag: Buffer } {
  iv.writeUInt32LE(i, 0);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = c.update(data);
  c.final();
  return { ct, tag: c.getAuthTag() };
}

const sealedStreams = (mode: 'encrypt' | 'integrity'): Uint8Array[][] => {
  const sealer = new RecordSealer(mode, key);
  return Array.from({ length: 8 }, () => sealer.seal([data]));
};

const cases: Record<string, () => (i: number) => void> = {
  'copy (yardstick)': () => () => { Buffer.from(data); },
  'AES-256-GCM encrypt': () => (i) => { gcmTagged(i); },
  'AES-256-GCM decrypt': () => {
    const sealed = gcmTagged(0);
    return () => {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.alloc(12));
      d.update(sealed.ct);
      d.setAuthTag(sealed.tag);
      d.final();
    };
  },
  'GMAC (data as AAD)': () => (i) => {
    iv.writeUInt32LE(i, 0);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(data);
    c.final();
    c.getAuthTag();
  },
  'HMAC-SHA256': () => () => { createHmac('sha256', key).update(data).digest(); },
  'ChaCha20-Poly1305 encrypt': () => (i) => {
    iv.writeUInt32LE(i, 0);
    const c = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
    c.update(data);
    c.final();
    c.getAuthTag();
  },
  'records: seal encrypt': () => { const s = new RecordSealer('encrypt', key); return () => { s.seal([data]); }; },
  'records: seal integrity': () => { const s = new RecordSealer('integrity', key); return () => { s.seal([data]); }; },
  'records: open encrypt': () => openCase('encrypt'),
  'records: open integrity': () => openCase('integrity'),
};

/** Opens pre-sealed streams (8 records, reused by re-creating the opener so counters match). */
function openCase(mode: 'encrypt' | 'integrity'): (i: number) => void {
  const streams = sealedStreams(mode);
  let opener = new RecordOpener(mode, key, () => {}, 'bench');
  return (i) => {
    if (i % streams.length === 0) opener = new RecordOpener(mode, key, () => {}, 'bench');
    for (const piece of streams[i % streams.length]) opener.push(piece);
  };
}

function timePass(run: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) run(i);
  return (rounds * MESSAGE) / Number(process.hrtime.bigint() - start);
}

for (const [name, make] of Object.entries(cases)) {
  const run = make();
  const passes = Array.from({ length: 5 }, () => timePass(run)).sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(28)} ${passes[2].toFixed(2)} GB/s\n`);
}
