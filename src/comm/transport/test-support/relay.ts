// A TCP relay for tests on 127.0.0.1: sits between a dialer and its target and lets a test change the bytes in transit.

import net from 'node:net';
import { HELLO_BYTES, PROOF_BYTES } from '../handshake.js';
import { RECORD_HEADER_BYTES, RECORD_TAG_BYTES } from '../record-layer.js';

/** Where a filter sends what it lets through. */
export interface RelayOutput {
  write(bytes: Buffer): void;
  /** Ends the connection toward the receiver (FIN), as a host that cuts the stream would. */
  end(): void;
}

/** Sees every chunk flowing in one direction and decides what the other end receives. */
export type ByteFilter = (chunk: Buffer, out: RelayOutput) => void;

const passThrough: ByteFilter = (chunk, out) => out.write(chunk);

export interface Relay {
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 and connects every incoming connection to `target`, filtering both directions. */
export function startRelay(target: { host: string; port: number }, filters: { toTarget?: ByteFilter; toDialer?: ByteFilter } = {}): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((dialer) => {
    const upstream = net.connect(target);
    for (const s of [dialer, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => { dialer.destroy(); upstream.destroy(); });
    }
    pipe(dialer, upstream, filters.toTarget ?? passThrough);
    pipe(upstream, dialer, filters.toDialer ?? passThrough);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        address: { host: '127.0.0.1', port },
        close: () => new Promise((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

function pipe(from: net.Socket, to: net.Socket, filter: ByteFilter): void {
  const out: RelayOutput = { write: (b) => { if (!to.destroyed) to.write(b); }, end: () => { to.end(); from.destroy(); } };
  from.on('data', (chunk: Buffer) => filter(chunk, out));
  from.on('end', () => to.end());
}

/** The relay of the field report: flips one byte in the middle of every chunk of at least `minBytes`. */
export function flipInLargeChunks(minBytes = 16 * 1024): ByteFilter {
  return (chunk, out) => {
    if (chunk.length >= minBytes) chunk[chunk.length >> 1] ^= 0x01;
    out.write(chunk);
  };
}

/**
 * A filter that lets the handshake (HELLO and PROOF) through untouched, then cuts the stream into
 * records and hands each to `onRecord` with its index, to forward, repeat, hold back or drop.
 */
export function recordFilter(onRecord: (record: Buffer, index: number, out: RelayOutput) => void): ByteFilter {
  let handshakeLeft = HELLO_BYTES + PROOF_BYTES;
  let pending = Buffer.alloc(0);
  let index = 0;
  return (chunk, out) => {
    if (handshakeLeft > 0) {
      const n = Math.min(handshakeLeft, chunk.length);
      out.write(chunk.subarray(0, n));
      handshakeLeft -= n;
      chunk = chunk.subarray(n);
    }
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= RECORD_HEADER_BYTES) {
      const length = RECORD_HEADER_BYTES + pending.readUInt32LE(0) + RECORD_TAG_BYTES;
      if (pending.length < length) return;
      onRecord(Buffer.from(pending.subarray(0, length)), index++, out);
      pending = pending.subarray(length);
    }
  };
}
