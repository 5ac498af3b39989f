// Tests of initProcessGroup with several ranks in one process over loopback: success, mismatch, missing ranks.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import type { CommError } from './errors.js';
import { initProcessGroup, initTransport, resolveStoreBindAddress, type InitProcessGroupOptions } from './init.js';
import { ConfigMismatchError } from './rendezvous/fingerprint.js';
import { freePort } from './test-support/free-port.js';
import { generateJobToken } from './transport/handshake.js';

async function jobOptions(worldSize: number, extra: (rank: number) => Partial<InitProcessGroupOptions> = () => ({})): Promise<InitProcessGroupOptions[]> {
  const masterPort = await freePort();
  const jobToken = generateJobToken();
  return Array.from({ length: worldSize }, (_, rank) => ({
    env: { RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(masterPort), LION_CUB_JOB_TOKEN: jobToken },
    rendezvousTimeoutMs: 10_000,
    ...extra(rank),
  }));
}

describe('initProcessGroup', () => {
  it('joins 3 ranks from launcher variables and runs an allreduce over TCP', async () => {
    const options = await jobOptions(3);
    // Rank 0 starts last: the others must keep dialing the store until it is up.
    const late = new Promise((r) => setTimeout(r, 150)).then(() => initProcessGroup(options[0]));
    const groups = await Promise.all([late, initProcessGroup(options[1]), initProcessGroup(options[2])]);
    try {
      const results = await Promise.all(groups.map((g) => g.allreduce(Float32Array.from({ length: 1000 }, (_, i) => i * (g.rank + 1)))));
      for (const r of results) {
        assert.equal(r[0], 0);
        assert.equal(r[999], 999 * 6);
      }
      groups.forEach((g, rank) => assert.equal(g.rank, rank));
    } finally {
      await Promise.all(groups.map((g) => g.close()));
    }
  });

  it('reports a configuration mismatch on every rank, naming the ranks and fields', async () => {
    const options = await jobOptions(3, (rank) => ({
      fingerprint: { numParams: rank === 2 ? 999 : 1000, strategy: 'vote-1bit' },
      chunkBytes: rank === 1 ? 4096 : undefined,
    }));
    const results = await Promise.allSettled(options.map((o) => initProcessGroup(o)));
    const messages = results.map((r, rank) => {
      assert.equal(r.status, 'rejected', `rank ${rank}`);
      const e = (r as PromiseRejectedResult).reason as ConfigMismatchError;
      assert.ok(e instanceof ConfigMismatchError);
      assert.equal(e.code, 'mismatch');
      assert.equal(e.rank, rank);
      assert.deepEqual(e.differences.map((d) => d.field), ['chunkBytes', 'numParams']);
      assert.match(e.message, /numParams: 1000 on ranks 0, 1; 999 on rank 2/);
      assert.match(e.message, /chunkBytes: 262144 on ranks 0, 2; 4096 on rank 1|chunkBytes: \d+ on ranks 0, 2; 4096 on rank 1/);
      return e.message.replace(/\(op=.*\)$/, '');
    });
    assert.equal(new Set(messages).size, 1, 'every rank reports the same disagreement');
  });

  it('fails on every rank, naming transportSecurity, when ranks use different transport security', async () => {
    const options = await jobOptions(2, (rank) => ({ transportSecurity: rank === 0 ? 'encrypt' : 'integrity' }));
    const results = await Promise.allSettled(options.map((o) => initProcessGroup(o)));
    for (const r of results) {
      const e = (r as PromiseRejectedResult).reason as ConfigMismatchError;
      assert.ok(e instanceof ConfigMismatchError, String(e));
      assert.deepEqual(e.differences.map((d) => d.field), ['transportSecurity']);
      assert.match(e.message, /transportSecurity: "?encrypt"? on rank 0; "?integrity"? on rank 1/);
    }
  });

  for (const mode of ['integrity', 'none'] as const) {
    it(`runs an allreduce with transport security ${mode} set through LION_CUB_TRANSPORT_SECURITY`, async () => {
      const options = await jobOptions(2);
      const warnings: string[] = [];
      options.forEach((o) => { o.env = { ...o.env, LION_CUB_TRANSPORT_SECURITY: mode }; o.onWarning = (m) => warnings.push(m); });
      const groups = await Promise.all(options.map((o) => initProcessGroup(o)));
      try {
        const results = await Promise.all(groups.map((g) => g.allreduce(Float32Array.of(g.rank + 1, 10))));
        for (const r of results) assert.deepEqual(r, Float32Array.of(3, 20));
        assert.equal(warnings.filter((w) => /transport security is off/.test(w)).length, mode === 'none' ? 1 : 0, 'none warns once per job (rank 0)');
      } finally {
        await Promise.all(groups.map((g) => g.close()));
      }
    });
  }

  it('refuses an unknown transport security naming the variable', async () => {
    const [o] = await jobOptions(2);
    await assert.rejects(initTransport({ ...o, env: { ...o.env, LION_CUB_TRANSPORT_SECURITY: 'tls' } }), { code: 'invalid_argument', field: 'LION_CUB_TRANSPORT_SECURITY' });
  });

  it('a rendezvous limit beyond what a timer can hold waits (cut to 2^31 − 1 ms) instead of expiring at once', async () => {
    const options = await jobOptions(2, () => ({ rendezvousTimeoutMs: 2 ** 40 }));
    // Rank 0 starts late: rank 1 must keep dialing the store, which it cannot do once its deadline has "passed".
    const late = new Promise((r) => setTimeout(r, 300)).then(() => initProcessGroup(options[0]));
    const groups = await Promise.all([late, initProcessGroup(options[1])]);
    try {
      assert.deepEqual(await Promise.all(groups.map((g) => g.allreduce(Int32Array.of(g.rank + 1)))), [Int32Array.of(3), Int32Array.of(3)]);
    } finally {
      await Promise.all(groups.map((g) => g.close()));
    }
  });

  it('refuses a rendezvous limit that is not a positive number, naming it', async () => {
    const [o] = await jobOptions(2);
    for (const bad of [Number.NaN, -5, 0, '100' as unknown as number]) {
      await assert.rejects(initTransport({ ...o, rendezvousTimeoutMs: bad }), { code: 'invalid_argument', field: 'rendezvousTimeoutMs' });
    }
  });

  it('names the ranks that never arrived', async () => {
    const options = await jobOptions(4, () => ({ rendezvousTimeoutMs: 600 }));
    const results = await Promise.allSettled([initProcessGroup(options[0]), initProcessGroup(options[2])]);
    for (const r of results) {
      const e = (r as PromiseRejectedResult).reason as CommError;
      assert.equal(e.code, 'rendezvous');
      assert.match(e.message, /ranks 1, 3 never arrived at the rendezvous/);
    }
  });

  it('names the store when rank 0 never starts', async () => {
    const [, rank1] = await jobOptions(2, () => ({ rendezvousTimeoutMs: 300 }));
    await assert.rejects(initProcessGroup(rank1), (e: CommError) => e.code === 'rendezvous' && /rendezvous store/.test(e.message) && e.rank === 1);
  });

  it('keeps out a rank with another token and reports it missing', async () => {
    const options = await jobOptions(2, () => ({ rendezvousTimeoutMs: 800 }));
    options[1].jobToken = generateJobToken();
    const warnings: string[] = [];
    options[0].onWarning = (m) => warnings.push(m);
    const [r0, r1] = await Promise.allSettled(options.map((o) => initProcessGroup(o)));
    assert.equal(((r1 as PromiseRejectedResult).reason as CommError).code, 'auth');
    assert.match(((r0 as PromiseRejectedResult).reason as CommError).message, /rank 1 never arrived/);
    assert.ok(warnings.some((w) => /refused a connection/.test(w)), warnings.join('\n'));
  });

  it('refuses a process of an older restart generation, naming both, while the job of the current generation forms', async () => {
    const options = await jobOptions(2, () => ({ rendezvousTimeoutMs: 10_000 }));
    const current = options.map((o) => ({ ...o, env: { ...o.env, TORCHELASTIC_RESTART_COUNT: '1' } }));
    const host = initProcessGroup(current[0]);
    // A rank 1 left over from generation 0 arrives first and is turned away before it publishes anything.
    await assert.rejects(initProcessGroup(options[1]), (e: CommError) => {
      assert.equal(e.code, 'generation');
      assert.equal(e.rank, 1);
      assert.match(e.message, /rank 1 belongs to restart generation 0, but the job at the rendezvous is at generation 1: a process left over from before a restart is refused/);
      return true;
    });
    const groups = await Promise.all([host, initProcessGroup(current[1])]);
    try {
      const sums = await Promise.all(groups.map((g) => g.allreduce(Int32Array.from([g.rank + 1]))));
      assert.deepEqual(sums.map((v) => v[0]), [3, 3]);
    } finally {
      await Promise.all(groups.map((g) => g.close()));
    }
  });

  it('runs alone without any launcher variable or token', async () => {
    const group = await initProcessGroup({ env: {} });
    assert.equal(group.worldSize, 1);
    const x = Float32Array.of(1, 2, 3);
    assert.deepEqual(await group.allreduce(x), Float32Array.of(1, 2, 3));
    await group.close();
  });

  it('requires a job token for more than one rank', async () => {
    await assert.rejects(initTransport({ env: { RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1' } }), { code: 'invalid_argument', field: 'LION_CUB_JOB_TOKEN' });
  });

  it('binds the store to LION_CUB_STORE_BIND_ADDRESS instead of MASTER_ADDR when it is set', async () => {
    const [rank0] = await jobOptions(2, () => ({ rendezvousTimeoutMs: 2_000 }));
    const port = Number(rank0.env!.MASTER_PORT);
    // The port is taken on 127.0.0.2 only: binding MASTER_ADDR (127.0.0.1) would succeed, the override cannot.
    const blocker = createServer();
    await new Promise<void>((resolve, reject) => blocker.once('error', reject).listen(port, '127.0.0.2', resolve));
    try {
      const env = { ...rank0.env, LION_CUB_STORE_BIND_ADDRESS: '127.0.0.2' };
      await assert.rejects(initTransport({ ...rank0, env }), (e: CommError) => {
        assert.equal(e.code, 'rendezvous');
        assert.match(e.message, new RegExp(`cannot host the rendezvous store on 127\\.0\\.0\\.2:${port} \\(EADDRINUSE\\)`));
        return true;
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('takes the store address from the option, else the variable, else MASTER_ADDR', () => {
    const env = { LION_CUB_STORE_BIND_ADDRESS: '0.0.0.0' };
    assert.equal(resolveStoreBindAddress('10.0.0.1', env, 'node0'), '10.0.0.1');
    assert.equal(resolveStoreBindAddress(undefined, env, 'node0'), '0.0.0.0');
    assert.equal(resolveStoreBindAddress(undefined, { LION_CUB_STORE_BIND_ADDRESS: ' ' }, 'node0'), 'node0');
    assert.equal(resolveStoreBindAddress(undefined, {}, 'node0'), 'node0');
  });
});
