// Tests of the TCP transport over 127.0.0.1: the shared Transport contract plus TCP-only behaviour.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { CommError } from '../errors.js';
import { frameHeaderBytes } from './frame.js';
import { generateJobToken } from './handshake.js';
import { connectLoopbackMesh } from './tcp-loopback.js';
import { PeerListener, connectTcpMesh } from './tcp-mesh.js';
import type { TcpTransport } from './tcp-transport.js';
import { transportContract } from './test-support/transport-contract.js';
import type { FrameTag } from './transport.js';

transportContract('tcp', {
  frameOverheadBytes: 32,
  async create(worldSize) {
    const transports = await connectLoopbackMesh(worldSize);
    return {
      transports,
      crash: (rank) => transports[rank].destroy(),
      dispose: async () => { await Promise.all(transports.map((t) => t.close())); },
    };
  },
});

// Security `none` reads sockets straight into recv buffers (direct-reads.ts), `integrity` too once records verify
// (verified-direct-reads.ts): the same contract must hold.
for (const security of ['none', 'integrity'] as const) {
  transportContract(`tcp, security ${security} (direct reads)`, {
    frameOverheadBytes: 32,
    async create(worldSize) {
      const transports = await connectLoopbackMesh(worldSize, { transport: { security } });
      return {
        transports,
        crash: (rank) => transports[rank].destroy(),
        dispose: async () => { await Promise.all(transports.map((t) => t.close())); },
      };
    },
  });
}

const tag = (part: number): FrameTag => ({ op: 1, seq: 3, part, dtype: 6 });
const closeAll = (ts: TcpTransport[]): Promise<void[]> => Promise.all(ts.map((t) => t.close()));

/** Open TCP handles of this process, after letting sockets closed by earlier tests finish closing. */
async function tcpHandles(): Promise<number> {
  await new Promise((r) => setTimeout(r, 50));
  return process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
}

describe('TcpTransport', () => {
  it('pauses a peer that sends faster than recvs are posted, and loses nothing', async () => {
    const cap = 256 * 1024;
    const ts = await connectLoopbackMesh(2, { transport: { maxPendingBytes: cap } });
    try {
      const frameBytes = 128 * 1024;
      const frames = 96; // 12 MiB: more than the kernel buffers absorb (4 MiB tcp_wmem max here), so the sender must wait
      const data = (p: number) => new Uint8Array(frameBytes).fill(p + 1);
      const sends = Array.from({ length: frames }, (_, p) => ts[0].send(1, tag(p), data(p)));
      let sent = 0;
      for (const s of sends) void s.then(() => { sent++; });
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(ts[1].bufferedBytes(0) <= cap + 2 * frameBytes, `buffered ${ts[1].bufferedBytes(0)} bytes over a cap of ${cap}`);
      assert.ok(sent < frames, 'the sender is held back while the receiver is paused');
      for (let p = 0; p < frames; p++) {
        const into = new Uint8Array(frameBytes);
        await ts[1].recv(0, tag(p), into);
        assert.equal(into[0], p + 1);
        assert.equal(into[frameBytes - 1], p + 1);
      }
      await Promise.all(sends);
      assert.equal(ts[1].bufferedBytes(0), 0);
    } finally {
      await closeAll(ts);
    }
  });

  it('fails both ends with a ProtocolError when a frame is over maxFrameBytes', async () => {
    const ts = await connectLoopbackMesh(2, { transport: { maxFrameBytes: 1000 } });
    try {
      const theirs = ts[0].recv(1, tag(1), new Uint8Array(1));
      void ts[0].send(1, tag(0), new Uint8Array(1001)).catch(() => {});
      await assert.rejects(ts[1].recv(0, tag(0), new Uint8Array(1001)), (e: CommError) => e.code === 'protocol' && /over the cap of 1000/.test(e.message));
      await assert.rejects(theirs, (e: CommError) => e.code === 'protocol' && /rank 1 failed/.test(e.message));
    } finally {
      await closeAll(ts);
    }
  });

  it('keeps the mesh going when an intruder without the token or with forged frames connects', async () => {
    const worldSize = 3;
    const jobToken = Buffer.from(generateJobToken());
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    const listeners = await Promise.all([0, 1, 2].map((rank) => PeerListener.listen({ rank, worldSize, jobToken, host: '127.0.0.1', onWarning })));
    // A forged frame without any handshake, then a connection that stays silent.
    const forger = net.connect(listeners[0].address.port, '127.0.0.1');
    forger.on('error', () => {});
    forger.write(Buffer.concat([frameHeaderBytes({ op: 1, seq: 3, part: 0, dtype: 6, sender: 1, payloadLength: 4 }), Buffer.from([9, 9, 9, 9])]));
    await new Promise((r) => setTimeout(r, 100));
    const peers = listeners.map((l) => l.address);
    const ts = await Promise.all(listeners.map((listener, rank) => connectTcpMesh({ rank, worldSize, jobToken, listener, peers, onWarning })));
    try {
      const into = new Uint8Array(4);
      await Promise.all([ts[1].send(0, tag(0), Uint8Array.of(1, 2, 3, 4)), ts[0].recv(1, tag(0), into)]);
      assert.deepEqual(into, Uint8Array.of(1, 2, 3, 4));
      assert.ok(warnings.some((w) => /rank 0 rejected a connection/.test(w)), warnings.join('\n'));
      // The mesh is complete: the listener no longer accepts anything.
      await assert.rejects(new Promise((resolve, reject) => {
        const s = net.connect(listeners[0].address.port, '127.0.0.1', () => { s.destroy(); resolve(undefined); });
        s.on('error', reject);
      }), { code: 'ECONNREFUSED' });
    } finally {
      forger.destroy();
      await closeAll(ts);
    }
  });

  it('refuses to assemble when a published address answers with another token', async () => {
    const listeners = await Promise.all([0, 1].map((rank) => PeerListener.listen({ rank, worldSize: 2, jobToken: Buffer.from(generateJobToken()), host: '127.0.0.1' })));
    const peers = listeners.map((l) => l.address);
    const results = await Promise.allSettled(listeners.map((listener, rank) =>
      connectTcpMesh({ rank, worldSize: 2, jobToken: Buffer.from(`token-of-rank-${rank}-xxxxxxxx`), listener, peers, timeoutMs: 1500 })));
    assert.equal((results[1] as PromiseRejectedResult).reason.code, 'auth');
    const missing = (results[0] as PromiseRejectedResult).reason as CommError;
    assert.equal(missing.code, 'rendezvous');
    assert.match(missing.message, /ranks 1 did not connect to rank 0/);
  });

  it('names unreachable ranks when the mesh cannot be assembled in time', async () => {
    const jobToken = Buffer.from(generateJobToken());
    const listener = await PeerListener.listen({ rank: 1, worldSize: 2, jobToken, host: '127.0.0.1' });
    const dead = await PeerListener.listen({ rank: 0, worldSize: 2, jobToken, host: '127.0.0.1' });
    dead.close();
    await assert.rejects(
      connectTcpMesh({ rank: 1, worldSize: 2, jobToken, listener, peers: [dead.address, listener.address], timeoutMs: 300 }),
      (e: CommError) => e.code === 'rendezvous' && e.peer === 0 && /could not connect to rank 0/.test(e.message),
    );
  });

  it('releases every socket on close, so the process can exit', async () => {
    const before = await tcpHandles();
    const ts = await connectLoopbackMesh(3);
    assert.ok(await tcpHandles() >= before + 6);
    await Promise.all([ts[0].send(1, tag(0), new Uint8Array(10)), ts[1].recv(0, tag(0), new Uint8Array(10))]);
    await closeAll(ts);
    assert.ok(await tcpHandles() <= before);
  });

  it('releases every socket after a failure too', async () => {
    const before = await tcpHandles();
    const ts = await connectLoopbackMesh(3, { transport: { closeTimeoutMs: 200 } });
    ts[2].destroy();
    await assert.rejects(ts[0].recv(2, tag(0), new Uint8Array(1)), { code: 'peer_closed' });
    await closeAll(ts);
    assert.ok(await tcpHandles() <= before);
  });
});
