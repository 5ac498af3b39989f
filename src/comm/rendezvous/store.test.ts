// Tests of the rendezvous store server and client over loopback: operations, timeouts, caps, authentication.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommError } from '../errors.js';
import { generateJobToken } from '../transport/handshake.js';
import { StoreClient, StoreTimeoutError, type StoreClientOptions } from './store-client.js';
import { decodeReply, decodeRequest, encodeReply, encodeRequest, type StoreReply, type StoreRequest } from './store-protocol.js';
import { StoreServer, type StoreServerOptions } from './store-server.js';

const jobToken = Buffer.from(generateJobToken());

async function withStore(body: (server: StoreServer, client: (o?: Partial<StoreClientOptions>) => Promise<StoreClient>, warnings: string[]) => Promise<void>, options: Partial<StoreServerOptions> = {}): Promise<void> {
  const warnings: string[] = [];
  const server = await StoreServer.start({ host: '127.0.0.1', port: 0, jobToken, onWarning: (m) => warnings.push(m), ...options });
  const clients: StoreClient[] = [];
  const client = async (o: Partial<StoreClientOptions> = {}) => {
    const c = await StoreClient.connect({ host: '127.0.0.1', port: server.address.port, rank: clients.length, jobToken, connectTimeoutMs: 2000, ...o });
    clients.push(c);
    return c;
  };
  try {
    await body(server, client, warnings);
  } finally {
    for (const c of clients) c.close();
    await server.close();
  }
}

describe('store protocol', () => {
  it('round-trips every request and reply kind', () => {
    const requests: StoreRequest[] = [
      { kind: 'set', key: 'ключ/1', value: Uint8Array.of(0, 1, 255) },
      { kind: 'get', key: 'k', timeoutMs: 1234 },
      { kind: 'add', key: 'count', delta: -3 },
      { kind: 'wait', keys: ['a', 'b/c'], timeoutMs: 0 },
    ];
    for (const r of requests) {
      const frame = encodeRequest(r, 7, 2);
      const decoded = decodeRequest(frame.readUInt16LE(6), frame.subarray(32));
      assert.deepEqual({ ...decoded, ...('value' in decoded ? { value: Uint8Array.from(decoded.value) } : {}) }, r);
    }
    const replies: StoreReply[] = [{ status: 'timeout', missingKeys: ['x', 'y'] }, { status: 'error', message: 'no' }];
    for (const reply of replies) {
      assert.deepEqual(decodeReply(encodeReply(reply, 1, 0).subarray(32)), reply);
    }
  });

  it('rejects truncated and trailing bytes and empty keys', () => {
    const frame = encodeRequest({ kind: 'get', key: 'abc', timeoutMs: 5 }, 1, 0);
    assert.throws(() => decodeRequest(81, frame.subarray(32, frame.length - 1)), { code: 'protocol', message: /truncated/ });
    assert.throws(() => decodeRequest(81, Buffer.concat([frame.subarray(32), Buffer.of(0)])), { code: 'protocol', message: /trailing/ });
    assert.throws(() => encodeRequest({ kind: 'set', key: '', value: new Uint8Array(0) }, 1, 0), { code: 'protocol' });
    assert.throws(() => decodeRequest(99, new Uint8Array(0)), { code: 'protocol' });
  });
});

describe('rendezvous store', () => {
  it('sets, gets, overwrites, and counts atomically across clients', async () => {
    await withStore(async (_server, client) => {
      const [a, b, c] = await Promise.all([client(), client(), client()]);
      await a.set('addr/0', 'host:1');
      assert.equal(Buffer.from(await b.get('addr/0', 100)).toString(), 'host:1');
      await b.set('addr/0', Uint8Array.of(1, 2));
      assert.deepEqual(Uint8Array.from(await c.get('addr/0', 100)), Uint8Array.of(1, 2));
      const results = await Promise.all([a, b, c].flatMap((x) => Array.from({ length: 10 }, () => x.add('arrived', 1))));
      assert.deepEqual([...results].sort((p, q) => p - q), Array.from({ length: 30 }, (_, i) => i + 1));
      assert.equal(Buffer.from(await a.get('arrived', 100)).toString(), '30');
      assert.equal(await a.add('arrived', -30), 0);
      await assert.rejects(a.add('addr/0', 1), { code: 'rendezvous', message: /not an integer counter/ });
    });
  });

  it('answers get and wait when a key is set later, and names missing keys on timeout', async () => {
    await withStore(async (_server, client) => {
      const [a, b] = await Promise.all([client(), client()]);
      const got = a.get('late', 2000);
      const waited = a.wait(['late', 'later'], 2000);
      setTimeout(() => { void b.set('late', 'v').then(() => b.set('later', 'w')); }, 30);
      assert.equal(Buffer.from(await got).toString(), 'v');
      await waited;
      await assert.rejects(a.wait(['late', 'never/1', 'never/2'], 50), (e: StoreTimeoutError) => {
        assert.ok(e instanceof StoreTimeoutError);
        assert.equal(e.code, 'timeout');
        assert.deepEqual(e.missingKeys, ['never/1', 'never/2']);
        return true;
      });
      await assert.rejects(a.get('nope', 20), (e: StoreTimeoutError) => e.missingKeys[0] === 'nope');
    });
  });

  it('refuses a client without the token and keeps serving the others', async () => {
    await withStore(async (_server, client, warnings) => {
      const good = await client();
      await assert.rejects(client({ jobToken: Buffer.from(generateJobToken()) }), { code: 'auth' });
      await good.set('k', 'v');
      assert.equal(Buffer.from(await good.get('k', 100)).toString(), 'v');
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(warnings.some((w) => /refused a connection/.test(w)), warnings.join('\n'));
    });
  });

  it('drops a client whose message is over the cap, and refuses to grow past maxStoredBytes', async () => {
    await withStore(async (_server, client, warnings) => {
      const big = await client({ maxMessageBytes: 1 << 20 });
      await assert.rejects(big.set('k', new Uint8Array(5000)), (e: CommError) => e.code === 'peer_closed');
      assert.ok(warnings.some((w) => /over the cap of 4096/.test(w)), warnings.join('\n'));
      const small = await client({ maxMessageBytes: 4096 });
      await assert.rejects(small.set('k', new Uint8Array(5000)), { code: 'protocol', message: /over the 4096-byte message cap/ });
      await small.set('a', new Uint8Array(3000));
      await assert.rejects(small.set('b', new Uint8Array(3000)), { code: 'rendezvous', message: /store is full/ });
      await small.set('a', new Uint8Array(10)); // overwriting frees the old value
      await small.set('b', new Uint8Array(3000));
    }, { maxMessageBytes: 4096, maxStoredBytes: 6000 });
  });

  it('keeps dialing until the store starts, and names it when it never does', async () => {
    const probe = await StoreServer.start({ host: '127.0.0.1', port: 0, jobToken });
    const port = probe.address.port;
    await probe.close();
    const connecting = StoreClient.connect({ host: '127.0.0.1', port, rank: 3, jobToken, connectTimeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    const server = await StoreServer.start({ host: '127.0.0.1', port, jobToken });
    const c = await connecting;
    await c.set('x', 'y');
    c.close();
    await server.close();
    await assert.rejects(StoreClient.connect({ host: '127.0.0.1', port, rank: 3, jobToken, connectTimeoutMs: 150 }), (e: CommError) =>
      e.code === 'rendezvous' && e.rank === 3 && /could not connect to the rendezvous store/.test(e.message) && /ECONNREFUSED/.test(e.message));
  });

  it('answers pending waits with the missing keys when it shuts down, then refuses requests', async () => {
    const server = await StoreServer.start({ host: '127.0.0.1', port: 0, jobToken });
    const c = await StoreClient.connect({ host: '127.0.0.1', port: server.address.port, rank: 1, jobToken, connectTimeoutMs: 1000 });
    await c.set('here', 'x');
    const waiting = assert.rejects(c.wait(['here', 'never'], 10_000), (e: StoreTimeoutError) => e instanceof StoreTimeoutError && e.missingKeys.join() === 'never');
    await new Promise((r) => setTimeout(r, 20));
    await server.close();
    await waiting;
    await assert.rejects(c.set('k', 'v'), (e: CommError) => e.code === 'peer_closed' && e.peer === 0);
    c.close();
  });
});
