// Tests of the caps on unauthenticated connections: per source address, in total, and the short deadline for the first message.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { generateJobToken } from './handshake.js';
import { PeerListener } from './tcp-mesh.js';

/** Opens a raw connection that never says anything; resolves with it once connected. */
function idle(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.resume(); // read, so that the end from the listener is seen
    s.on('error', () => {});
    s.once('error', reject);
  });
}

const closed = (s: net.Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('unauthenticated connections', { timeout: 30_000 }, () => {
  it('are capped per source address: the one over the cap is closed at once and reported', async () => {
    const warnings: string[] = [];
    const listener = await PeerListener.listen({
      rank: 0, worldSize: 2, jobToken: Buffer.from(generateJobToken()), host: '127.0.0.1',
      handshakeGate: { maxPending: 10, maxPendingPerAddress: 3 }, onWarning: (m) => warnings.push(m),
    });
    const sockets = await Promise.all([0, 1, 2, 3].map(() => idle(listener.address.port)));
    try {
      await closed(sockets[3]);
      assert.ok(warnings.some((w) => /per-address cap/.test(w)), warnings.join('\n'));
      assert.ok(sockets.slice(0, 3).every((s) => !s.destroyed), 'those within the cap wait for their handshake');
    } finally {
      sockets.forEach((s) => s.destroy());
      listener.close();
    }
  });

  it('that send no hello are closed after the short first-message deadline, not the whole handshake timeout', async () => {
    const warnings: string[] = [];
    const listener = await PeerListener.listen({
      rank: 0, worldSize: 2, jobToken: Buffer.from(generateJobToken()), host: '127.0.0.1', handshakeTimeoutMs: 60_000, onWarning: (m) => warnings.push(m),
    });
    const socket = await idle(listener.address.port);
    try {
      await closed(socket); // the default first-message deadline (3 s); the test's own timeout would catch 60 s
      assert.ok(warnings.some((w) => /sent no lion-cub hello within 3000 ms/.test(w)), warnings.join('\n'));
    } finally {
      socket.destroy();
      listener.close();
    }
  });
});
