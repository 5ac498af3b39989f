// Tests of record channels over real loopback sockets: paced sealing keeps order, bounds what waits in
// Node's write queue, and ends (or aborts) behind the right writes.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { authenticate, generateJobToken, type AuthenticatedConnection } from './handshake.js';
import { openRecordChannel, readThroughReusedBuffer, RECORDS_AHEAD, REUSED_READ_BYTES, type RecordChannel } from './record-channel.js';
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES, RECORD_TAG_BYTES } from './record-layer.js';
import { loopbackPair } from './tcp-loopback.js';

const token = Buffer.from(generateJobToken());
const sockets: net.Socket[] = [];
after(() => { for (const s of sockets) s.destroy(); });

/** An authenticated loopback pair: [dialer, acceptor]. */
async function connectedPair(): Promise<[AuthenticatedConnection, AuthenticatedConnection]> {
  const [dialer, acceptor] = await loopbackPair(sockets);
  const common = { role: 'peer' as const, acceptRoles: ['peer' as const], jobToken: token, timeoutMs: 5000 };
  return Promise.all([
    authenticate(dialer, { ...common, side: 'dialer', rank: 1 }),
    authenticate(acceptor, { ...common, side: 'acceptor', rank: 0 }),
  ]);
}

/** A receiving channel that collects verified bytes; `ended` resolves when the socket ends. */
function receiver(connection: AuthenticatedConnection, mode: 'encrypt' | 'integrity'): { bytes: () => Buffer; ended: Promise<void> } {
  const got: Buffer[] = [];
  const channel = openRecordChannel(connection, mode, (b) => got.push(Buffer.from(b)), 'rank 1', { rank: 0, peer: 1 });
  const { socket } = connection;
  socket.on('data', (chunk: Buffer) => channel.feed(chunk));
  const ended = new Promise<void>((resolve) => socket.once('end', () => {
    channel.end();
    resolve();
  }));
  connection.adopt();
  if (connection.leftover.byteLength > 0) channel.feed(connection.leftover);
  return { bytes: () => Buffer.concat(got), ended };
}

const sealedBytes = (plain: number): number =>
  plain + Math.ceil(plain / MAX_RECORD_BYTES) * (RECORD_HEADER_BYTES + RECORD_TAG_BYTES);

for (const mode of ['encrypt', 'integrity'] as const) {
  describe(`paced record channel (${mode})`, () => {
    it('delivers many queued messages in order, with at most RECORDS_AHEAD sealed records in Node\'s queue', async () => {
      const [d, a] = await connectedPair();
      const sender: RecordChannel = openRecordChannel(d, mode, () => {}, 'rank 0', { rank: 1, peer: 0 }, { paced: true });
      d.adopt();
      a.socket.pause(); // nothing is read yet: the kernel buffers fill and the sender's queue builds up
      const messages = Array.from({ length: 24 }, (_, i) => [randomBytes(32), randomBytes(200_000 + i)]);
      const order: number[] = [];
      const allWritten = Promise.all(messages.map((pieces, i) => new Promise<void>((resolve, reject) => {
        sender.write(pieces, (error) => (error ? reject(error) : (order.push(i), resolve())));
      })));
      let mostQueued = 0;
      const watch = setInterval(() => { mostQueued = Math.max(mostQueued, d.socket.writableLength); }, 1);
      await new Promise((r) => setTimeout(r, 100));
      const { bytes } = receiver(a, mode);
      a.socket.resume();
      await allWritten;
      clearInterval(watch);
      mostQueued = Math.max(mostQueued, d.socket.writableLength);
      assert.deepEqual(order, messages.map((_, i) => i), 'written callbacks in order');
      assert.ok(mostQueued <= RECORDS_AHEAD * sealedBytes(MAX_RECORD_BYTES), `Node held ${mostQueued} bytes`);
      const sent = Buffer.concat(messages.flat());
      while (bytes().length < sent.length) await new Promise((r) => setTimeout(r, 5));
      assert.ok(bytes().equals(sent));
    });

    it('finish ends the socket after every queued message; with dropUnstarted only whole messages precede the last', async () => {
      for (const dropUnstarted of [false, true]) {
        const [d, a] = await connectedPair();
        const sender = openRecordChannel(d, mode, () => {}, 'rank 0', { rank: 1, peer: 0 }, { paced: true });
        d.adopt();
        a.socket.pause();
        const messages = Array.from({ length: 40 }, () => [randomBytes(300_000)]);
        for (const pieces of messages) sender.write(pieces);
        const last = Buffer.from('the last words');
        sender.finish([last], dropUnstarted);
        const { bytes, ended } = receiver(a, mode);
        a.socket.resume();
        await ended;
        const got = bytes();
        assert.ok(got.subarray(got.length - last.length).equals(last), 'the last message comes last');
        const before = got.subarray(0, got.length - last.length);
        assert.equal(before.length % 300_000, 0, 'whole messages only');
        assert.ok(before.equals(Buffer.concat(messages.slice(0, before.length / 300_000).flat())));
        if (dropUnstarted) assert.ok(before.length < 40 * 300_000, 'messages not yet started were dropped');
        else assert.equal(before.length, 40 * 300_000);
      }
    });
  });
}

describe('readThroughReusedBuffer', () => {
  it('in encrypt mode reads every chunk into one reused buffer, and the records still open intact', async () => {
    const [d, a] = await connectedPair();
    const sender = openRecordChannel(d, 'encrypt', () => {}, 'rank 0', { rank: 1, peer: 0 }, { paced: true });
    d.adopt();
    a.adopt();
    const got: Buffer[] = [];
    const receiving = openRecordChannel(a, 'encrypt', (b) => got.push(Buffer.from(b)), 'rank 1', { rank: 0, peer: 1 });
    const buffers = new Set<ArrayBufferLike>();
    let reads = 0;
    const feed = (chunk: Uint8Array): void => {
      reads++;
      buffers.add(chunk.buffer);
      receiving.feed(chunk);
    };
    if (a.leftover.byteLength > 0) feed(a.leftover);
    assert.equal(readThroughReusedBuffer(a.socket, 'encrypt', feed), true);
    a.socket.resume();
    const sent = randomBytes(4 * 2 ** 20 + 17);
    sender.write([sent]);
    while (Buffer.concat(got).length < sent.length) await new Promise((r) => setTimeout(r, 5));
    assert.ok(Buffer.concat(got).equals(sent));
    assert.ok(reads >= sent.length / REUSED_READ_BYTES, `${reads} reads`);
    assert.equal(buffers.size, 1, 'every read landed in the same buffer');
  });

  it('leaves integrity and none links to data events (their openers keep views of the chunks)', async () => {
    for (const mode of ['integrity', 'none'] as const) {
      const [, a] = await connectedPair();
      assert.equal(readThroughReusedBuffer(a.socket, mode, () => {}), false);
    }
  });
});
