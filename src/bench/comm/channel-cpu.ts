// CPU per byte of one loopback connection, both ends in this process: plain TCP, the record layer's modes, and
// TLS 1.3 with a pre-shared key (AES-128-GCM), the alternative docs/wire-format.md weighs against records.
//
// Run: node --import tsx src/bench/comm/channel-cpu.ts [MiB, default 512]
// Prints, per channel, the process's CPU time (user + system, all threads) per byte moved, sender and receiver
// together, kernel copies included; 256 KiB writes, as a collective's frames.

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { authenticate, generateJobToken } from '../../comm/transport/handshake.js';
import { openRecordChannel, readThroughReusedBuffer } from '../../comm/transport/record-channel.js';
import { loopbackPair } from '../../comm/transport/tcp-loopback.js';

const total = Number(process.argv[2] ?? 512) * 2 ** 20;
const chunk = randomBytes(256 * 1024);

/** Runs `start` (which must resolve once `total` bytes arrived) and returns CPU ns per byte. */
async function measure(start: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await start();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / total;
}

/** Writes `total` bytes with `write(piece, done)`, at most 8 pieces in flight. */
function pumpWrites(write: (piece: Uint8Array, done: () => void) => void): void {
  let sent = 0;
  let inFlight = 0;
  const next = (): void => {
    while (inFlight < 8 && sent < total) {
      sent += chunk.byteLength;
      inFlight++;
      write(chunk, () => {
        inFlight--;
        next();
      });
    }
  };
  next();
}

/** CPU per byte of writing `total` bytes into `from` until `to` has read them all: one stream socket pair. */
function streamThrough(from: net.Socket, to: net.Socket): Promise<number> {
  return measure(() => new Promise((resolve) => {
    let got = 0;
    to.on('data', (d: Buffer) => { if ((got += d.byteLength) >= total) resolve(); });
    pumpWrites((piece, done) => from.write(piece, done));
  }));
}

async function plain(): Promise<number> {
  const [a, b] = await loopbackPair();
  const n = await streamThrough(a, b);
  a.destroy();
  b.destroy();
  return n;
}

async function records(mode: 'encrypt' | 'integrity'): Promise<number> {
  const [d, a] = await loopbackPair();
  const token = Buffer.from(generateJobToken());
  const common = { role: 'peer' as const, acceptRoles: ['peer' as const], jobToken: token, timeoutMs: 10_000 };
  const [dc, ac] = await Promise.all([
    authenticate(d, { ...common, side: 'dialer', rank: 1 }),
    authenticate(a, { ...common, side: 'acceptor', rank: 0 }),
  ]);
  dc.adopt();
  ac.adopt();
  const n = await measure(() => new Promise((resolve) => {
    let got = 0;
    const receiver = openRecordChannel(ac, mode, (bytes) => { if ((got += bytes.byteLength) >= total) resolve(); }, 'rank 1', {});
    if (ac.leftover.byteLength > 0) receiver.feed(ac.leftover);
    if (!readThroughReusedBuffer(a, mode, (c) => receiver.feed(c))) a.on('data', (c: Buffer) => receiver.feed(c));
    a.resume();
    const sender = openRecordChannel(dc, mode, () => {}, 'rank 0', {}, { paced: true });
    pumpWrites((piece, done) => sender.write([piece], done));
  }));
  d.destroy();
  a.destroy();
  return n;
}

async function tlsPsk(): Promise<number> {
  const psk = randomBytes(32);
  const options = { ciphers: 'TLS_AES_128_GCM_SHA256', minVersion: 'TLSv1.3' as const, maxVersion: 'TLSv1.3' as const };
  const server = tls.createServer({ ...options, pskCallback: () => psk });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<tls.TLSSocket>((r) => server.once('secureConnection', r));
  const client = tls.connect({
    ...options,
    port: (server.address() as net.AddressInfo).port,
    host: '127.0.0.1',
    pskCallback: () => ({ psk, identity: 'job' }),
    checkServerIdentity: () => undefined,
  });
  await new Promise<void>((r) => client.once('secureConnect', r));
  const serverSide = await accepted;
  server.close();
  const n = await streamThrough(client, serverSide);
  client.destroy();
  serverSide.destroy();
  return n;
}

const cases: Array<[string, () => Promise<number>]> = [
  ['plain TCP (none)', plain],
  ['records integrity (GMAC)', () => records('integrity')],
  ['records encrypt (AES-256-GCM)', () => records('encrypt')],
  ['TLS 1.3 PSK AES-128-GCM', tlsPsk],
];
for (const [name, run] of cases) {
  const passes: number[] = [];
  for (let i = 0; i < 3; i++) passes.push(await run());
  passes.sort((x, y) => x - y);
  process.stdout.write(`${name.padEnd(32)} ${passes[1].toFixed(3)} ns/B\n`);
}
