// Tests of what one authenticated store client cannot do: claim another rank, pile up replies, hold unbounded waits.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import type { CommError } from '../errors.js';
import { authenticate, generateJobToken, type AuthenticatedConnection } from '../transport/handshake.js';
import { openRecordChannel, type RecordChannel } from '../transport/record-channel.js';
import { StoreClient } from './store-client.js';
import { encodeRequest } from './store-protocol.js';
import { StoreServer, type StoreServerOptions } from './store-server.js';

const jobToken = Buffer.from(generateJobToken());

/** A hand-driven client of `rank`: authenticated, encrypted, that reads nothing unless told to. */
async function rawClient(port: number, rank: number): Promise<{ connection: AuthenticatedConnection; channel: RecordChannel }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const connection = await authenticate(socket, { side: 'dialer', role: 'store-client', acceptRoles: ['store-server'], rank, jobToken, timeoutMs: 5000 });
  connection.adopt();
  socket.on('error', () => {});
  return { connection, channel: openRecordChannel(connection, 'encrypt', () => {}, 'the store', {}) };
}

async function withServer(options: Partial<StoreServerOptions>, body: (server: StoreServer, warnings: string[]) => Promise<void>): Promise<void> {
  const warnings: string[] = [];
  const server = await StoreServer.start({ host: '127.0.0.1', port: 0, jobToken, onWarning: (m) => warnings.push(m), ...options });
  try {
    await body(server, warnings);
  } finally {
    await server.close();
  }
}

const until = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
};

describe('rendezvous store limits', { timeout: 60_000 }, () => {
  it('drops a client whose request claims a rank other than the one it authenticated as', async () => {
    await withServer({}, async (server, warnings) => {
      const { connection, channel } = await rawClient(server.address.port, 1);
      channel.write([encodeRequest({ kind: 'set', key: 'lion-cub/peer/0', value: Buffer.from('forged') }, 1, 0)]);
      await until(() => connection.socket.destroyed || warnings.length > 0);
      assert.ok(warnings.some((w) => /client rank 1/.test(w) && /claims sender rank 0/.test(w)), warnings.join('\n'));
      connection.socket.destroy();
    });
  });

  it('stops reading a client that pipelines gets of a large value and never reads the replies', async () => {
    const cap = 2 * 2 ** 20;
    await withServer({ maxQueuedReplyBytes: cap }, async (server) => {
      const writer = await StoreClient.connect({ host: '127.0.0.1', port: server.address.port, rank: 0, jobToken, connectTimeoutMs: 2000 });
      await writer.set('big', new Uint8Array(2 ** 20 - 64));
      const { connection, channel } = await rawClient(server.address.port, 1);
      const gets = Array.from({ length: 200 }, (_, i) => encodeRequest({ kind: 'get', key: 'big', timeoutMs: 1000 }, i + 1, 1));
      channel.write(gets);
      await new Promise((r) => setTimeout(r, 1000));
      // 200 replies of 1 MiB were asked for; the store holds at most the cap plus the reply that crossed it.
      assert.ok(server.queuedReplyBytes <= cap + 2 ** 20 + 4096, `the store queued ${server.queuedReplyBytes} reply bytes`);
      connection.socket.destroy();
      writer.close();
    });
  });

  it('answers a client\'s get/wait beyond maxWaitersPerClient with an error instead of holding it', async () => {
    await withServer({ maxWaitersPerClient: 4 }, async (server) => {
      const client = await StoreClient.connect({ host: '127.0.0.1', port: server.address.port, rank: 0, jobToken, connectTimeoutMs: 2000 });
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.get('never', 300)));
      const reasons = results.map((r) => ((r as PromiseRejectedResult).reason as CommError).message);
      assert.equal(reasons.filter((m) => /maxWaitersPerClient/.test(m)).length, 2, reasons.join('\n'));
      assert.equal(reasons.filter((m) => /timed out/.test(m)).length, 4, reasons.join('\n'));
      client.close();
    });
  });
});
