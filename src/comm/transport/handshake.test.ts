// Tests of the job-token handshake over real loopback sockets: success, wrong token, garbage, timeouts, roles.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import type { CommError } from '../errors.js';
import { HELLO_BYTES, JOB_TOKEN_ENV, authenticate, generateJobToken, resolveJobToken, type HandshakeOptions } from './handshake.js';
import { PROTOCOL_VERSION } from './frame.js';
import { jobSalt, stretchJobToken, tokenWeakness } from './job-key.js';
import { loopbackPair } from './tcp-loopback.js';

const token = Buffer.from(generateJobToken());
const sockets: net.Socket[] = [];
after(() => { for (const s of sockets) s.destroy(); });

/** A connected loopback pair: [dialer end, acceptor end]. */
const pair = (): Promise<[net.Socket, net.Socket]> => loopbackPair(sockets);

const dialerOptions = (o: Partial<HandshakeOptions> = {}): HandshakeOptions => ({ side: 'dialer', role: 'peer', acceptRoles: ['peer'], rank: 3, jobToken: token, timeoutMs: 2000, ...o });
const acceptorOptions = (o: Partial<HandshakeOptions> = {}): HandshakeOptions => ({ side: 'acceptor', role: 'peer', acceptRoles: ['peer'], rank: 1, jobToken: token, timeoutMs: 2000, ...o });

describe('authenticate', () => {
  it('authenticates both ends with the same token and exchanges ranks; no byte after it is lost', async () => {
    const [d, a] = await pair();
    const [rd, ra] = await Promise.all([authenticate(d, dialerOptions()), authenticate(a, acceptorOptions())]);
    assert.equal(rd.peerRank, 1);
    assert.equal(rd.peerRole, 'peer');
    assert.equal(ra.peerRank, 3);
    a.write('after the handshake');
    // Wait until the bytes have surely reached the dialer's socket, then collect leftover + stream.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rd.adopt(), undefined);
    const received: Buffer[] = [Buffer.from(rd.leftover)];
    d.on('data', (c: Buffer) => received.push(c));
    d.resume();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(Buffer.concat(received).toString(), 'after the handshake');
  });

  it('rejects a wrong token on both ends with code auth, and the acceptor reveals no proof first', async () => {
    const [d, a] = await pair();
    const seenByDialer: Buffer[] = [];
    d.on('data', (c: Buffer) => seenByDialer.push(c));
    const results = await Promise.allSettled([
      authenticate(d, dialerOptions({ jobToken: Buffer.from(generateJobToken()) })),
      authenticate(a, acceptorOptions()),
    ]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal((r.reason as CommError).code, 'auth');
    }
    assert.match((results[1] as PromiseRejectedResult).reason.message, /does not hold this job's token/);
    // The acceptor sent only its hello: nothing an attacker could grind offline.
    assert.equal(Buffer.concat(seenByDialer).length, HELLO_BYTES);
    assert.equal(a.destroyed, true);
  });

  it('rejects a client that sends garbage with code protocol', async () => {
    const [d, a] = await pair();
    d.on('error', () => {});
    d.write(Buffer.alloc(HELLO_BYTES, 0x41));
    await assert.rejects(authenticate(a, acceptorOptions()), (e: CommError) => e.code === 'protocol' && /bad magic/.test(e.message));
  });

  it('refuses a rank of another wire version (records v1: zero IV, 1 MiB records) at the hello, naming both versions', async () => {
    const [d, a] = await pair();
    d.on('error', () => {});
    const hello = Buffer.alloc(HELLO_BYTES);
    hello.write('LCHS', 0, 'latin1');
    hello.writeUInt16LE(PROTOCOL_VERSION - 1, 4);
    hello[6] = 1; // role: peer
    d.write(hello);
    await assert.rejects(authenticate(a, acceptorOptions()), (e: CommError) =>
      e.code === 'protocol' && e.message.includes(`speaks protocol version ${PROTOCOL_VERSION - 1}, this build speaks ${PROTOCOL_VERSION}`));
  });

  it('rejects an unexpected role', async () => {
    const [d, a] = await pair();
    const results = await Promise.allSettled([
      authenticate(d, dialerOptions({ role: 'store-client', acceptRoles: ['store-server'] })),
      authenticate(a, acceptorOptions()),
    ]);
    assert.equal((results[1] as PromiseRejectedResult).reason.code, 'protocol');
    assert.match((results[1] as PromiseRejectedResult).reason.message, /introduced itself as store-client, expected peer/);
    assert.equal(results[0].status, 'rejected');
  });

  it('times out a silent connection', async () => {
    const [d, a] = await pair();
    d.on('error', () => {});
    const started = Date.now();
    await assert.rejects(authenticate(a, acceptorOptions({ timeoutMs: 100 })), (e: CommError) => e.code === 'timeout' && e.op === 'handshake');
    assert.ok(Date.now() - started < 1900);
  });
});

describe('resolveJobToken', () => {
  it('prefers the explicit token, else the environment variable', () => {
    const env = { [JOB_TOKEN_ENV]: 'c0ffee1234567890abcdef42' };
    assert.equal(resolveJobToken('Yq3-v9Lm2+Wz7pK8', env).toString(), 'Yq3-v9Lm2+Wz7pK8');
    assert.equal(resolveJobToken(undefined, env).toString(), 'c0ffee1234567890abcdef42');
  });

  it('names the variable or option when the token is missing or too short', () => {
    assert.throws(() => resolveJobToken(undefined, {}), (e: Error & { field: string }) => e.field === JOB_TOKEN_ENV && /openssl rand/.test(e.message));
    assert.throws(() => resolveJobToken('short', {}), (e: Error & { field: string; code: string }) => e.field === 'jobToken' && e.code === 'invalid_argument');
  });

  it('refuses tokens that are easy to guess: a 16-letter word run, few distinct characters', () => {
    for (const weak of ['correcthorsebatt', 'x'.repeat(40), 'abababababababababab1']) {
      assert.throws(() => resolveJobToken(weak, {}), (e: Error & { field: string; code: string }) => e.field === 'jobToken' && /cannot be guessed/.test(e.message), weak);
    }
    assert.equal(tokenWeakness(generateJobToken()), null);
  });

  it('stretches a token with scrypt under a per-job salt: other job, other key', () => {
    const token = Buffer.from(generateJobToken());
    const a = stretchJobToken(token, jobSalt(4, 29500));
    assert.equal(a.length, 32);
    assert.ok(!a.equals(token.subarray(0, 32)));
    assert.ok(a.equals(stretchJobToken(token, jobSalt(4, 29500))));
    assert.ok(!a.equals(stretchJobToken(token, jobSalt(4, 29501))));
    assert.ok(!a.equals(stretchJobToken(token, jobSalt(2, 29500))));
  });

  it('generates distinct 43-character tokens', () => {
    const a = generateJobToken();
    assert.equal(a.length, 43);
    assert.notEqual(a, generateJobToken());
  });
});
