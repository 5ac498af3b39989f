// The behaviour every Transport must show, as a node:test suite that each implementation's test file runs.
//
// Usage (in <impl>.test.ts):
//   transportContract('memory', { create: async (n) => ({ transports, crash, dispose }), frameOverheadBytes: 32 });

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommError, CommTimeoutError } from '../../errors.js';
import type { FrameTag, Transport } from '../transport.js';

/** A connected group of transports under test. */
export interface TransportHarness {
  /** transports[r].rank === r, all with the same worldSize. */
  transports: Transport[];
  /** Makes `rank` vanish as a killed process would: no goodbye, no abort message. */
  crash(rank: number): void;
  /** Releases everything the harness made (closing every transport). */
  dispose(): Promise<void>;
}

export interface TransportContractOptions {
  /** Builds a connected group of `worldSize` transports. */
  create(worldSize: number): Promise<TransportHarness>;
  /** Bytes the counters add to each frame's payload (the header size). */
  frameOverheadBytes: number;
  /** How fast a failure must reach the other ranks. Default 5000 ms. */
  failureTimeoutMs?: number;
}

const tag = (part: number, seq = 1, op = 1, dtype = 6): FrameTag => ({ op, seq, part, dtype });

/** Payload that encodes who sent it to whom, so a misrouted frame cannot pass. */
function payload(byteLength: number, from: number, to: number, salt = 0): Uint8Array {
  const out = new Uint8Array(byteLength);
  for (let i = 0; i < byteLength; i++) out[i] = (i * 7 + from * 31 + to * 101 + salt * 13) & 0xff;
  return out;
}

/** Rejects if `promise` does not settle within `ms`: a hang is a contract failure, not a stuck test. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The error a promise rejects with (or 'resolved'), observed at once so a later rejection is never "unhandled". */
function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => 'resolved', (e: unknown) => e);
}

async function withGroup(options: TransportContractOptions, worldSize: number, body: (h: TransportHarness) => Promise<void>): Promise<void> {
  const harness = await options.create(worldSize);
  try {
    await body(harness);
  } finally {
    await harness.dispose();
  }
}

/** Registers the contract tests for one Transport implementation. */
export function transportContract(name: string, options: TransportContractOptions): void {
  const failMs = options.failureTimeoutMs ?? 5000;

  describe(`Transport contract: ${name}`, () => {
    it('reports rank and world size', async () => {
      for (const n of [1, 3]) {
        await withGroup(options, n, async ({ transports }) => {
          assert.equal(transports.length, n);
          transports.forEach((t, r) => {
            assert.equal(t.rank, r);
            assert.equal(t.worldSize, n);
          });
        });
      }
    });

    it('delivers frames in order, whether the recv is posted before or after the send', async () => {
      await withGroup(options, 2, async ({ transports: [a, b] }) => {
        const early = new Uint8Array(64);
        const posted = b.recv(0, tag(0), early);
        await a.send(1, tag(0), payload(64, 0, 1, 0));
        await posted;
        assert.deepEqual(early, payload(64, 0, 1, 0));
        await Promise.all([1, 2, 3].map((p) => a.send(1, tag(p), payload(64, 0, 1, p))));
        for (const p of [1, 2, 3]) {
          const into = new Uint8Array(64);
          await b.recv(0, tag(p), into);
          assert.deepEqual(into, payload(64, 0, 1, p));
        }
      });
    });

    it('carries payloads of 0, 1, 31, 4099 and 2^20+3 bytes intact in both directions', async () => {
      await withGroup(options, 2, async ({ transports }) => {
        for (const [i, n] of [0, 1, 31, 4099, (1 << 20) + 3].entries()) {
          const intos = [new Uint8Array(n), new Uint8Array(n)];
          await within(Promise.all([
            transports[0].send(1, tag(i), payload(n, 0, 1)),
            transports[1].send(0, tag(i), payload(n, 1, 0)),
            transports[0].recv(1, tag(i), intos[0]),
            transports[1].recv(0, tag(i), intos[1]),
          ]), 20_000, `exchange of ${n} bytes`);
          assert.deepEqual(intos[0], payload(n, 1, 0));
          assert.deepEqual(intos[1], payload(n, 0, 1));
        }
      });
    });

    it('lets every pair of 4 ranks exchange at once', async () => {
      await withGroup(options, 4, async ({ transports }) => {
        const n = 10_007;
        const received = transports.map(() => new Map<number, Uint8Array>());
        await within(Promise.all(transports.flatMap((t) => transports.flatMap((_, peer) => {
          if (peer === t.rank) return [];
          const into = new Uint8Array(n);
          received[t.rank].set(peer, into);
          return [t.send(peer, tag(0, 9), payload(n, t.rank, peer)), t.recv(peer, tag(0, 9), into)];
        }))), 20_000, 'all-pairs exchange');
        for (const t of transports) {
          for (const [peer, got] of received[t.rank]) assert.deepEqual(got, payload(n, peer, t.rank));
        }
      });
    });

    it('rejects a frame with another tag with a MismatchError naming both ranks', async () => {
      for (const [sent, expected] of [[tag(1), tag(0)], [tag(0, 2), tag(0, 1)], [tag(0, 1, 2), tag(0, 1, 1)], [tag(0, 1, 1, 1), tag(0, 1, 1, 6)]]) {
        await withGroup(options, 2, async ({ transports: [a, b] }) => {
          void a.send(1, sent, payload(8, 0, 1)).catch(() => {});
          await within(assert.rejects(b.recv(0, expected, new Uint8Array(8)), (e: CommError) => {
            assert.equal(e.code, 'mismatch');
            assert.equal(e.rank, 1);
            assert.equal(e.peer, 0);
            assert.match(e.message, /rank 0/);
            assert.match(e.message, /rank 1/);
            return true;
          }), failMs, 'mismatched recv');
        });
      }
    });

    it('rejects a frame of another length with a MismatchError', async () => {
      await withGroup(options, 2, async ({ transports: [a, b] }) => {
        void a.send(1, tag(0), payload(8, 0, 1)).catch(() => {});
        await within(assert.rejects(b.recv(0, tag(0), new Uint8Array(9)), { code: 'mismatch' }), failMs, 'mismatched recv');
      });
    });

    it('fails pending recvs on every other rank when a peer crashes, naming it', async () => {
      await withGroup(options, 3, async ({ transports, crash }) => {
        const failures: CommError[] = [];
        transports[0].onFailure((e) => failures.push(e));
        const pending = [0, 1].map((r) => outcome(transports[r].recv(2, tag(0), new Uint8Array(4))));
        crash(2);
        for (const p of pending) {
          const e = (await within(p, failMs, 'recv from a crashed peer')) as CommError;
          assert.ok(e instanceof CommError, `got ${String(e)}`);
          assert.equal(e.code, 'peer_closed');
          assert.equal(e.peer, 2);
          assert.match(e.message, /rank 2/);
        }
        await assert.rejects(transports[0].send(1, tag(0), payload(4, 0, 1)), (e: CommError) => e.code === 'peer_closed');
        assert.equal(failures.length, 1);
        assert.equal(failures[0].peer, 2);
      });
    });

    it('abort rejects pending and later ops with the reason, tells listeners once, and reaches the peers', async () => {
      await withGroup(options, 2, async ({ transports: [a, b] }) => {
        const seen: CommError[] = [];
        a.onFailure((e) => seen.push(e));
        const mine = a.recv(1, tag(0), new Uint8Array(4));
        const theirs = outcome(b.recv(0, tag(0), new Uint8Array(4)));
        const reason = new CommTimeoutError('allreduce took too long', { op: 'allreduce', rank: 0, seq: 1 });
        a.abort(reason);
        a.abort(new CommError('closed', 'second abort is ignored'));
        await assert.rejects(mine, (e) => e === reason);
        await assert.rejects(a.send(1, tag(1), payload(4, 0, 1)), (e) => e === reason);
        await assert.rejects(a.recv(1, tag(1), new Uint8Array(4)), (e) => e === reason);
        assert.deepEqual(seen, [reason]);
        let late: CommError | undefined;
        a.onFailure((e) => { late = e; });
        await new Promise((r) => setTimeout(r, 0));
        assert.equal(late, reason, 'a listener registered after the failure still hears of it');
        assert.ok(await within(theirs, failMs, "the peer's recv") instanceof CommError);
      });
    });

    it('close rejects pending ops with code closed, later ops too, is idempotent; peers see peer_closed', async () => {
      await withGroup(options, 2, async ({ transports: [a, b] }) => {
        const pending = a.recv(1, tag(0), new Uint8Array(4));
        const closing = a.close();
        const again = a.close();
        await assert.rejects(pending, { code: 'closed' });
        await within(Promise.all([closing, again]), failMs, 'close');
        await assert.rejects(a.send(1, tag(0), payload(4, 0, 1)), { code: 'closed' });
        await within(assert.rejects(b.recv(0, tag(0), new Uint8Array(4)), (e: CommError) => e.code === 'peer_closed' && e.peer === 0), failMs, 'recv from a closed peer');
      });
    });

    it('delivers frames sent just before a graceful close', async () => {
      await withGroup(options, 2, async ({ transports: [a, b] }) => {
        await a.send(1, tag(0), payload(100, 0, 1));
        await a.close();
        await new Promise((r) => setTimeout(r, 20));
        const into = new Uint8Array(100);
        await within(b.recv(0, tag(0), into), failMs, 'recv of a frame sent before close');
        assert.deepEqual(into, payload(100, 0, 1));
      });
    });

    it('counts header and payload bytes of data frames', async () => {
      await withGroup(options, 2, async ({ transports: [a, b] }) => {
        const sent0 = a.counters.bytesSent;
        const received0 = b.counters.bytesReceived;
        await Promise.all([a.send(1, tag(0), payload(100, 0, 1)), b.recv(0, tag(0), new Uint8Array(100))]);
        await Promise.all([a.send(1, tag(1), payload(0, 0, 1)), b.recv(0, tag(1), new Uint8Array(0))]);
        assert.equal(a.counters.bytesSent - sent0, 100 + 2 * options.frameOverheadBytes);
        assert.equal(b.counters.bytesReceived - received0, 100 + 2 * options.frameOverheadBytes);
      });
    });

    it('rejects an invalid peer and a second pending recv from one peer', async () => {
      await withGroup(options, 2, async ({ transports: [a, b] }) => {
        for (const peer of [-1, 0, 2, 0.5]) {
          await assert.rejects(a.send(peer, tag(0), new Uint8Array(1)), { code: 'invalid_argument' });
          await assert.rejects(a.recv(peer, tag(0), new Uint8Array(1)), { code: 'invalid_argument' });
        }
        const first = a.recv(1, tag(0), new Uint8Array(1));
        // Misuse by the caller, not a network failure: any typed error, and the first recv still works.
        await assert.rejects(a.recv(1, tag(1), new Uint8Array(1)), (e: { code?: unknown }) => typeof e.code === 'string');
        await b.send(0, tag(0), new Uint8Array(1));
        await first;
      });
    });
  });
}
