// Tests of the elastic rendezvous round logic over an in-memory backend: several handlers sharing one backend are
// several nodes. Waits are bounded by the handlers' own join timeouts; nothing asserts on elapsed time.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RendezvousBackendError, RendezvousClosedError, RendezvousTimeoutError, RendezvousUnreachableError } from '../../errors.js';
import { ElasticRendezvous, type ClosedRound, type ElasticTiming, type MembershipChange } from './handler.js';
import { MemoryStateBackend } from './memory-backend.js';
import type { RoundCause } from './round-state.js';
import { rendezvousSealKey } from './sealed-state.js';
import type { RendezvousStateBackend, SetStateResult } from './state-backend.js';

const TOKEN = 'f00dfeedc0ffee0123456789abcdef42';
const key = rendezvousSealKey(TOKEN, 'job');
const timing: ElasticTiming = { joinTimeoutMs: 5_000, lastCallMs: 300, keepAliveIntervalMs: 40, keepAliveTimeoutMs: 400 };
const start = (node: string): RoundCause => ({ kind: 'start', node, text: 'job start' });

function node(backend: RendezvousStateBackend, id: string, min: number, max: number, t: Partial<ElasticTiming> = {}): ElasticRendezvous {
  return new ElasticRendezvous({ backend, nodeId: id, min, max, rdzvId: 'job', sealKey: key, timing: { ...timing, ...t } });
}
const address = (id: string) => ({ addr: `10.0.0.${id.charCodeAt(0)}`, storePort: 1000 + id.charCodeAt(0) });
const join = (h: ElasticRendezvous, after?: number, cause?: RoundCause) => h.join(after, cause ?? start(h.nodeId), address(h.nodeId));

/** Keeps `h` alive (as a running node's monitor does) until `until` settles; resolves with the first change seen. */
async function watch(h: ElasticRendezvous, r: ClosedRound, stop?: Promise<unknown>): Promise<MembershipChange | undefined> {
  let stopped = false;
  void stop?.then(() => { stopped = true; });
  for (let i = 0; i < 500 && !stopped; i++) {
    const change = await h.check(r);
    if (change) return change;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

describe('elastic rendezvous handler', () => {
  it('closes a round at MAX with distinct node ranks and every address published', async () => {
    const backend = new MemoryStateBackend();
    const rounds = await Promise.all(['a', 'b', 'c'].map((id) => join(node(backend, id, 2, 3))));
    assert.deepEqual(rounds.map((r) => r.round), [0, 0, 0]);
    assert.deepEqual(rounds.map((r) => r.nodeRank).sort(), [0, 1, 2]);
    for (const r of rounds) {
      assert.deepEqual(r.nodes, rounds[0].nodes);
      assert.deepEqual(r.addresses, r.nodes.map(address));
    }
  });

  it('closes with MIN nodes after the last call when no more arrive', async () => {
    const backend = new MemoryStateBackend();
    const rounds = await Promise.all(['a', 'b'].map((id) => join(node(backend, id, 2, 4))));
    assert.deepEqual(rounds.map((r) => r.nodes.length), [2, 2]);
  });

  it('admits a node arriving during the last call into the same round', async () => {
    const backend = new MemoryStateBackend();
    const first = ['a', 'b'].map((id) => join(node(backend, id, 2, 4, { lastCallMs: 1500 })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const rounds = await Promise.all([...first, join(node(backend, 'c', 2, 4, { lastCallMs: 1500 }))]);
    assert.deepEqual(rounds.map((r) => r.nodes.length), [3, 3, 3]);
  });

  it('a late node waits, the running nodes see it, and the next round admits it with the old ranks kept', async () => {
    const backend = new MemoryStateBackend();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => node(backend, id, 2, 3));
    const [ra, rb] = await Promise.all([join(a), join(b)]);
    assert.equal(ra.nodes.length, 2);
    const late = join(c);
    const change = await watch(a, ra);
    assert.deepEqual(change, { kind: 'node-waiting', nodes: ['c'] });
    const cause: RoundCause = { kind: 'node-joined', node: 'a', text: 'c is waiting' };
    const next = await Promise.all([join(a, 0, cause), join(b, 0, cause), late]);
    assert.deepEqual(next.map((r) => r.round), [1, 1, 1]);
    assert.deepEqual(next[0].nodes, [...ra.nodes, 'c']);
    assert.deepEqual(next[0].previous, ra.nodes);
    assert.equal(next[2].cause.kind, 'node-joined');
    assert.equal(rb.nodeRank, next[1].nodeRank);
  });

  it('a node whose keep-alive stops is lost; the others meet without it, and fail clearly below MIN', async () => {
    const backend = new MemoryStateBackend();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => node(backend, id, 2, 3));
    const [ra, rb] = await Promise.all([join(a), join(b), join(c)]);
    // c stops checking (its process is gone); a and b keep theirs alive.
    const [changeA, changeB] = await Promise.all([watch(a, ra), watch(b, rb)]);
    assert.deepEqual(changeA, { kind: 'node-lost', nodes: ['c'] });
    assert.deepEqual(changeB, { kind: 'node-lost', nodes: ['c'] });
    assert.match(a.describeNode('c'), /^c \(no keep-alive for \d+\.\d s\)$/);
    const cause: RoundCause = { kind: 'node-lost', node: 'a', text: 'c lost' };
    const next = await Promise.all([join(a, 0, cause), join(b, 0, cause)]);
    assert.deepEqual(next.map((r) => [r.round, r.nodes.length]), [[1, 2], [1, 2]]);

    const strict = ['a', 'b'].map((id) => node(backend, id, 3, 3, { joinTimeoutMs: 600 }));
    const below = await Promise.allSettled(strict.map((h) => join(h, 1, cause)));
    for (const outcome of below) {
      assert.equal(outcome.status, 'rejected');
      const error = (outcome as PromiseRejectedResult).reason;
      assert.ok(error instanceof RendezvousTimeoutError, String(error));
      assert.match(error.message, /only 2 of the minimum 3 nodes joined round 2/);
    }
  });

  it('survivors of a lost node meet again without waiting out the last call', async () => {
    const backend = new MemoryStateBackend();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => node(backend, id, 2, 3, { lastCallMs: 60_000, joinTimeoutMs: 10_000 }));
    const [ra, rb] = await Promise.all([join(a), join(b), join(c)]);
    assert.deepEqual((await Promise.all([watch(a, ra), watch(b, rb)])).map((change) => change?.kind), ['node-lost', 'node-lost']);
    const cause: RoundCause = { kind: 'node-lost', node: 'a', text: 'c lost' };
    // A last call of 60 s against a join timeout of 10 s: only the early close can form this round.
    const next = await Promise.all([join(a, 0, cause), join(b, 0, cause)]);
    assert.deepEqual(next.map((r) => r.nodes), [ra.nodes.filter((n) => n !== 'c'), ra.nodes.filter((n) => n !== 'c')]);
  });

  it('a node arriving at a full round waits and times out naming the maximum', async () => {
    const backend = new MemoryStateBackend();
    const [ra] = await Promise.all(['a', 'b'].map((id) => join(node(backend, id, 1, 2))));
    const extra = node(backend, 'c', 1, 2, { joinTimeoutMs: 300 });
    await assert.rejects(join(extra), (e: Error) => e instanceof RendezvousTimeoutError && /runs with 2 nodes \(at most 2\)/.test(e.message));
    assert.equal(await node(backend, 'a', 1, 2).check(ra), undefined, 'a full round is not disturbed by a waiting node');
  });

  it('concurrent joins race on compare-and-set and still agree on one round', async () => {
    const memory = new MemoryStateBackend();
    let lostRaces = 0;
    // Yields between every read and write so the eight nodes interleave.
    const racy: RendezvousStateBackend = {
      name: 'racy',
      getState: async () => { await new Promise((r) => setImmediate(r)); return memory.getState(); },
      setState: async (state, token): Promise<SetStateResult> => {
        await new Promise((r) => setImmediate(r));
        const result = await memory.setState(state, token);
        if (!result.written) lostRaces++;
        return result;
      },
      close: async () => {},
    };
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const rounds = await Promise.all(ids.map((id) => join(node(racy, id, 8, 8))));
    assert.ok(lostRaces > 0, 'the joins did race');
    assert.deepEqual(rounds.map((r) => r.nodeRank).sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    for (const r of rounds) assert.deepEqual(r.nodes, rounds[0].nodes);
  });

  it('rides through a backend out of reach that keeps the state, warning at a limited rate; silence during it does not count', async () => {
    const memory = new MemoryStateBackend();
    let failure: Error | undefined;
    const flaky: RendezvousStateBackend = {
      name: 'flaky',
      getState: async () => { if (failure) throw failure; return memory.getState(); },
      setState: async (state, token) => { if (failure) throw failure; return memory.setState(state, token); },
      close: async () => {},
    };
    let clock = 0;
    const warnings: string[] = [];
    const a = new ElasticRendezvous({ backend: flaky, nodeId: 'a', min: 2, max: 2, rdzvId: 'job', sealKey: key, timing, now: () => clock, onWarning: (m) => warnings.push(m) });
    const [ra] = await Promise.all([join(a), join(node(memory, 'b', 2, 2))]);
    assert.equal(await a.check(ra), undefined);

    failure = new RendezvousUnreachableError('flaky', 'h:1', 'no answer to a read within 100 ms', 5_000);
    for (const t of [10, 1_000, 9_000, 10_100]) {
      clock = t;
      assert.equal(await a.check(ra), undefined, `no change while out of reach (t=${t})`);
    }
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /^flaky at h:1 out of reach for 0\.0 s \(no answer to a read within 100 ms\); the job carries on, .* at least 5\.0 s more/);
    assert.match(warnings[1], /out of reach for 10\.1 s/);

    // b's counter could not be seen moving for 10 s, far over the 400 ms timeout: that does not make b lost.
    failure = undefined;
    clock = 10_200;
    assert.equal(await a.check(ra), undefined);
    assert.match(warnings[2], /^flaky at h:1 answers again after 10\.2 s out of reach; the job carried on$/);
    // Silence seen after the outage still counts.
    clock = 10_200 + timing.keepAliveTimeoutMs + 1;
    assert.deepEqual(await a.check(ra), { kind: 'node-lost', nodes: ['b'] });

    failure = new RendezvousBackendError('flaky', 'h:1', 'the state may be gone');
    await assert.rejects(a.check(ra), (e: unknown) => e === failure);
  });

  it('a closed job refuses new rounds and tells running nodes', async () => {
    const backend = new MemoryStateBackend();
    const [a, b] = ['a', 'b'].map((id) => node(backend, id, 2, 2));
    const [, rb] = await Promise.all([join(a), join(b)]);
    await a.closeJob('node a used up its 0 restarts');
    assert.deepEqual(await b.check(rb), { kind: 'closed', reason: 'node a used up its 0 restarts', ok: false });
    await assert.rejects(join(b, 0), (e: Error) => e instanceof RendezvousClosedError && !e.ok && /used up its 0 restarts/.test(e.message));
  });
});
