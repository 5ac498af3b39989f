// EtcdRendezvousBackend against a real etcd started by the test: compare-and-set semantics, the job lease that
// outlives no participant, typed errors (never a hang) when etcd is gone, and TLS with client certificates.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Etcd3 } from 'etcd3';
import { InvalidArgumentError } from '../../../errors.js';
import { RendezvousBackendError, RendezvousUnreachableError } from '../../errors.js';
import { freePort } from '../../test-support/free-port.js';
import { EtcdRendezvousBackend, type EtcdBackendOptions } from './etcd-backend.js';
import { applyEtcdProtocol, etcdOptionsFromConf } from './etcd-conf.js';
import { skipWithoutEtcd, startEtcd, type EtcdServer } from './test-support/etcd-server.js';
import { hasOpenssl } from './test-support/test-certificates.js';

const skip = skipWithoutEtcd;
let etcd: EtcdServer | undefined;
const open: EtcdRendezvousBackend[] = [];

before(async () => { if (!skip) etcd = await startEtcd(); });
after(async () => {
  await Promise.all(open.map((b) => b.close()));
  await etcd?.stop();
});

function backend(options: Partial<EtcdBackendOptions> & { runId: string }): EtcdRendezvousBackend {
  const b = new EtcdRendezvousBackend({ endpoints: etcd!.endpoint, timeoutMs: 5000, ...options });
  open.push(b);
  return b;
}
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (state: Uint8Array | undefined) => (state ? new TextDecoder().decode(state) : undefined);
const newRunId = () => `job-${randomUUID().slice(0, 8)}`;

async function eventually(what: string, check: () => Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('create-if-absent: the first write creates, a second create loses and gets the stored state', { skip }, async () => {
  const runId = newRunId();
  const [a, b] = [backend({ runId }), backend({ runId })];
  assert.equal(await a.getState(), undefined);
  const created = await a.setState(bytes('a0'), undefined);
  assert.equal(created.written, true);
  const seen = await b.getState();
  assert.deepEqual([text(seen?.state), seen?.token], ['a0', created.token]);
  const second = await b.setState(bytes('b0'), undefined);
  assert.deepEqual([second.written, text(second.state), second.token], [false, 'a0', created.token]);
  assert.equal(a.stateKey, `/lion-cub/rdzv/${runId}/state`);
});

test('a stale token loses and returns the current state and token', { skip }, async () => {
  const runId = newRunId();
  const [a, b] = [backend({ runId }), backend({ runId })];
  const v1 = await a.setState(bytes('v1'), undefined);
  const v2 = await b.setState(bytes('v2'), v1.token);
  assert.equal(v2.written, true);
  assert.notEqual(v2.token, v1.token);
  const stale = await a.setState(bytes('v3'), v1.token);
  assert.deepEqual([stale.written, text(stale.state), stale.token], [false, 'v2', v2.token]);
  const v3 = await a.setState(bytes('v3'), stale.token);
  assert.equal(v3.written, true);
  assert.equal(text((await b.getState())?.state), 'v3');
});

test('concurrent writers on the same token: exactly one wins, the others get its state', { skip }, async () => {
  const runId = newRunId();
  const writers = Array.from({ length: 6 }, () => backend({ runId }));
  const base = await writers[0].setState(bytes('base'), undefined);
  const results = await Promise.all(writers.map((w, i) => w.setState(bytes(`w${i}`), base.token)));
  const winners = results.filter((r) => r.written);
  assert.equal(winners.length, 1);
  for (const r of results.filter((x) => !x.written)) {
    assert.deepEqual([text(r.state), r.token], [text(winners[0].state), winners[0].token]);
  }
  // Concurrent creates of a state that does not exist yet: also exactly one.
  const fresh = newRunId();
  const creators = Array.from({ length: 6 }, () => backend({ runId: fresh }));
  const created = await Promise.all(creators.map((w, i) => w.setState(bytes(`c${i}`), undefined)));
  assert.equal(created.filter((r) => r.written).length, 1);
});

test('the state lives while any participant is open and expires one TTL after the last one closed', { skip }, async () => {
  const runId = newRunId();
  const [a, b, observer] = [backend({ runId, ttlSeconds: 2 }), backend({ runId, ttlSeconds: 2 }), backend({ runId })];
  const first = await a.setState(bytes('x'), undefined);
  await b.setState(bytes('y'), first.token);
  await a.close();
  // Three TTLs after a closed, b alone has kept the job lease alive.
  await new Promise((r) => setTimeout(r, 6000));
  assert.equal(text((await observer.getState())?.state), 'y');
  await b.close();
  await eventually('expiry of the state after every participant closed', async () => (await observer.getState()) === undefined);
});

test('a job lease that expired under an open participant is replaced on its next write', { skip }, async () => {
  const runId = newRunId();
  const a = backend({ runId });
  const first = await a.setState(bytes('x'), undefined);
  const raw = new Etcd3({ hosts: `http://${etcd!.endpoint}` });
  try {
    const leaseId = await raw.get(`/lion-cub/rdzv/${runId}/lease`).string();
    await raw.leaseClient.leaseRevoke({ ID: leaseId! });
  } finally {
    raw.close();
  }
  assert.equal(await a.getState(), undefined);
  await assert.rejects(a.setState(bytes('y'), first.token), (e: unknown) =>
    e instanceof RendezvousBackendError && /state \/lion-cub\/rdzv\/job-\S+\/state is gone/.test(e.message));
  const again = await a.setState(bytes('z'), undefined);
  assert.equal(again.written, true);
  assert.equal(text((await a.getState())?.state), 'z');
});

test('bad run ids, TTLs and tokens are refused by name', { skip }, async () => {
  assert.throws(() => backend({ runId: 'a/b' }), (e: unknown) => e instanceof InvalidArgumentError && e.field === '--rdzv-id');
  assert.throws(() => backend({ runId: 'ok', ttlSeconds: 1 }), /etcd ttlSeconds: got 1/);
  assert.throws(() => backend({ runId: 'ok', endpoints: 'nope:x' }), /--rdzv-endpoint/);
  await assert.rejects(backend({ runId: 'ok' }).setState(bytes('s'), 'abc'), /rendezvous state token: got "abc"/);
});

test('etcd paused for less than the lease TTL: out of reach with the time the state is kept, then the state is still there; paused past the TTL: the state may be gone', { skip }, async () => {
  const paused = await startEtcd();
  const etcdProcess = paused.members[0].process;
  const b = new EtcdRendezvousBackend({ endpoints: paused.endpoint, runId: newRunId(), timeoutMs: 1000, ttlSeconds: 6 });
  try {
    await b.setState(bytes('x'), undefined);
    etcdProcess.kill('SIGSTOP');
    await assert.rejects(b.getState(), (e: unknown) => e instanceof RendezvousUnreachableError && e.endpoints === paused.endpoint
      && e.stateKeptForMs > 0 && e.stateKeptForMs <= 6000 && /no answer to a read of \S+ within 1000 ms/.test(e.message));
    etcdProcess.kill('SIGCONT');
    assert.equal(text((await b.getState())?.state), 'x');
    // Longer than the TTL after the pause: the lease was renewed once etcd answered again.
    await new Promise((r) => setTimeout(r, 7000));
    assert.equal(text((await b.getState())?.state), 'x');

    assert.ok(etcdProcess.kill('SIGSTOP'), 'etcd was paused');
    // Outcomes of reads from the pause on: 'answered' until the pause takes hold (a read can still be
    // answered on a loaded machine), then errors only.
    const outcomes: unknown[] = [];
    await eventually('a read past the lease TTL failing as "may be gone"', async () => {
      outcomes.push(await b.getState().then(() => 'answered', (e: unknown) => e));
      const last = outcomes.at(-1);
      return last !== 'answered' && !(last instanceof RendezvousUnreachableError);
    });
    const errors = outcomes.slice(outcomes.findIndex((o) => o !== 'answered'));
    const last = errors.at(-1);
    assert.ok(last instanceof RendezvousBackendError && last.unreachable, String(last));
    assert.match(last.message, /out of reach, and the job lease \(ttl=6 s\) was last renewed \d+\.\d s ago, so etcd may have dropped the rendezvous state/);
    assert.ok(errors.slice(0, -1).every((e) => e instanceof RendezvousUnreachableError), 'out of reach while the lease lived');
  } finally {
    etcdProcess.kill('SIGCONT');
    await b.close();
    await paused.stop();
  }
});

test('etcd killed: reads and writes fail within their time limit with a typed error naming the endpoint', { skip }, async () => {
  const doomed = await startEtcd();
  const b = new EtcdRendezvousBackend({ endpoints: doomed.endpoint, runId: newRunId(), timeoutMs: 3000 });
  try {
    const v = await b.setState(bytes('x'), undefined);
    await doomed.stop();
    const isTyped = (e: unknown) => e instanceof RendezvousBackendError && e.code === 'rendezvous'
      && e.message.includes(`etcd at ${doomed.endpoint}`) && /--rdzv-endpoint/.test(e.message);
    await assert.rejects(b.getState(), isTyped);
    await assert.rejects(b.setState(bytes('y'), v.token), isTyped);
  } finally {
    await b.close();
    await doomed.stop();
  }
});

test('a 3-member cluster: losing one member is ridden through, losing quorum is a typed error', { skip }, async () => {
  const cluster = await startEtcd({ members: 3 });
  const b = new EtcdRendezvousBackend({ endpoints: cluster.endpoint, runId: newRunId(), timeoutMs: 8000 });
  try {
    let v = await b.setState(bytes('0'), undefined);
    await cluster.members[0].kill();
    for (let i = 1; i <= 5; i++) {
      v = await b.setState(bytes(String(i)), v.token);
      assert.equal(v.written, true);
    }
    assert.equal(text((await b.getState())?.state), '5');
    await cluster.members[1].kill();
    await assert.rejects(b.setState(bytes('6'), v.token), (e: unknown) => e instanceof RendezvousBackendError && e.endpoints === cluster.endpoint);
  } finally {
    await b.close();
    await cluster.stop();
  }
});

test('etcd with users: LION_CUB_ETCD_USER/PASSWORD log in; without them or with a wrong password, a typed error', { skip }, async () => {
  const guarded = await startEtcd();
  const admin = new Etcd3({ hosts: `http://${guarded.endpoint}` });
  const open = (env: NodeJS.ProcessEnv) => new EtcdRendezvousBackend({ ...etcdOptionsFromConf({}, env), endpoints: guarded.endpoint, runId: newRunId(), timeoutMs: 3000 });
  const backends: EtcdRendezvousBackend[] = [];
  try {
    await (await admin.user('root').create('root-secret')).addRole('root');
    await admin.auth.authEnable();
    backends.push(open({ LION_CUB_ETCD_USER: 'root', LION_CUB_ETCD_PASSWORD: 'root-secret' }), open({}), open({ LION_CUB_ETCD_USER: 'root', LION_CUB_ETCD_PASSWORD: 'wrong' }));
    const [user, anonymous, wrong] = backends;
    assert.equal((await user.setState(bytes('as root'), undefined)).written, true);
    await assert.rejects(anonymous.getState(), (e: unknown) => e instanceof RendezvousBackendError && /user name is empty|permission denied/i.test(e.message));
    await assert.rejects(wrong.getState(), (e: unknown) => e instanceof RendezvousBackendError && /authentication failed/i.test(e.message));
  } finally {
    admin.close();
    await Promise.all(backends.map((b) => b.close()));
    await guarded.stop();
  }
});

test('nothing listening, or a server that never answers: a typed error naming the endpoint, no hang', { skip }, async () => {
  const accepted: net.Socket[] = [];
  const silent = net.createServer((socket) => accepted.push(socket)).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const endpoints = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${(silent.address() as net.AddressInfo).port}`];
  try {
    for (const endpoint of endpoints) {
      const b = new EtcdRendezvousBackend({ endpoints: endpoint, runId: newRunId(), timeoutMs: 2000 });
      try {
        await assert.rejects(b.setState(bytes('x'), undefined), (e: unknown) =>
          e instanceof RendezvousBackendError && e.endpoints === endpoint && e.backend === 'etcd');
      } finally {
        await b.close();
      }
    }
  } finally {
    for (const socket of accepted) socket.destroy();
    silent.close();
  }
});

test('TLS with a client certificate (--rdzv-conf ca_cert, ssl_cert, ssl_cert_key); without them etcd is not reached', { skip: skip || (hasOpenssl ? false : 'openssl is not installed') }, async () => {
  const secure = await startEtcd({ tls: true });
  const { ca, cert, key } = secure.certificates!;
  const conf = etcdOptionsFromConf({ ca_cert: ca, ssl_cert: cert, ssl_cert_key: key }, {});
  const withCerts = new EtcdRendezvousBackend({ ...conf, endpoints: applyEtcdProtocol(secure.endpoint, conf.https), runId: newRunId(), timeoutMs: 5000 });
  const plain = new EtcdRendezvousBackend({ endpoints: secure.endpoint, runId: newRunId(), timeoutMs: 2000 });
  try {
    assert.equal((await withCerts.setState(bytes('over tls'), undefined)).written, true);
    assert.equal(text((await withCerts.getState())?.state), 'over tls');
    await assert.rejects(plain.getState(), RendezvousBackendError);
  } finally {
    await withCerts.close();
    await plain.close();
    await secure.stop();
  }
});
