// Ranks and store clients behind a relay that tampers with the bytes: every rank fails promptly with code `integrity`.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { CommError } from '../errors.js';
import { ProcessGroup } from '../process-group.js';
import { StoreClient } from '../rendezvous/store-client.js';
import { StoreServer } from '../rendezvous/store-server.js';
import { frameHeaderBytes } from './frame.js';
import { generateJobToken } from './handshake.js';
import type { TransportSecurity } from './security-mode.js';
import { PeerListener, connectTcpMesh } from './tcp-mesh.js';
import type { TcpTransport } from './tcp-transport.js';
import { flipInLargeChunks, recordFilter, startRelay, type ByteFilter, type Relay } from './test-support/relay.js';
import type { FrameTag } from './transport.js';

const jobToken = Buffer.from(generateJobToken());
const relays: Relay[] = [];
after(async () => { await Promise.all(relays.map((r) => r.close())); });

/** Two ranks whose only link (dialled by rank 1) runs through a relay applying `toRank0` and `toRank1`. */
async function twoRanksThroughRelay(filters: { toRank0?: ByteFilter; toRank1?: ByteFilter }, security: TransportSecurity = 'encrypt'): Promise<TcpTransport[]> {
  const listeners = await Promise.all([0, 1].map((rank) => PeerListener.listen({ rank, worldSize: 2, jobToken, host: '127.0.0.1' })));
  const relay = await startRelay(listeners[0].address, { toTarget: filters.toRank0, toDialer: filters.toRank1 });
  relays.push(relay);
  return Promise.all([
    connectTcpMesh({ rank: 0, worldSize: 2, jobToken, listener: listeners[0], peers: listeners.map((l) => l.address), timeoutMs: 5000, transport: { security } }),
    connectTcpMesh({ rank: 1, worldSize: 2, jobToken, listener: listeners[1], peers: [relay.address, listeners[1].address], timeoutMs: 5000, transport: { security } }),
  ]);
}

const tag = (part: number): FrameTag => ({ op: 1, seq: 1, part, dtype: 6 });
const isIntegrity = (e: CommError): boolean => e.code === 'integrity';

/**
 * Rank 1 sends frames of 4 KiB; rank 0 receives them: rank 0 must fail with `integrity`, and rank 1
 * learns it from rank 0's abort, unless the relay cut the link (then rank 1 sees it closed).
 */
async function expectIntegrityFailure(ts: TcpTransport[], linkCut: boolean): Promise<void> {
  const frames = 6;
  const failures = ts.map((t) => new Promise<CommError>((resolve) => t.onFailure(resolve)));
  try {
    for (let p = 0; p < frames; p++) void ts[1].send(0, tag(p), new Uint8Array(4096).fill(p)).catch(() => {});
    await assert.rejects((async () => {
      for (let p = 0; p < frames; p++) await ts[0].recv(1, tag(p), new Uint8Array(4096));
    })(), isIntegrity);
    const [f0, f1] = await Promise.all(failures);
    assert.equal(f0.code, 'integrity');
    assert.equal(f1.code, linkCut ? 'peer_closed' : 'integrity', `rank 1: ${f1.message}`);
  } finally {
    await Promise.all(ts.map((t) => t.close()));
  }
}

describe('tampering on the wire', () => {
  it('a relay flipping one byte in every large chunk makes every rank fail with code integrity', async () => {
    const flip = flipInLargeChunks();
    const ts = await twoRanksThroughRelay({ toRank0: flip, toRank1: flip });
    const groups = ts.map((t) => new ProcessGroup(t, { timeoutMs: 30_000 }));
    try {
      const results = await Promise.allSettled(groups.map(() => null).map((_, r) => groups[r].allreduce(new Float32Array(1 << 20).fill(r + 1))));
      for (const [rank, result] of results.entries()) {
        assert.equal(result.status, 'rejected', `rank ${rank} must not finish an allreduce with altered data`);
        const error = (result as PromiseRejectedResult).reason as CommError;
        assert.equal(error.code, 'integrity', `rank ${rank}: ${error.message}`);
      }
    } finally {
      await Promise.all(groups.map((g) => g.close()));
    }
  });

  it('the same relay goes unnoticed with security none (what the switch gives up)', async () => {
    const ts = await twoRanksThroughRelay({ toRank0: flipInLargeChunks() }, 'none');
    try {
      const sent = new Uint8Array(256 * 1024).fill(7);
      const got = new Uint8Array(sent.length);
      await Promise.all([ts[1].send(0, tag(0), sent), ts[0].recv(1, tag(0), got)]);
      assert.notDeepEqual(got, sent, 'the altered byte arrived as data');
    } finally {
      await Promise.all(ts.map((t) => t.close()));
    }
  });

  const recordAttacks: Array<[string, (record: Buffer, index: number, out: { write(b: Buffer): void; end(): void }) => void]> = [
    ['a replayed record', (r, i, out) => { out.write(r); if (i === 2) out.write(r); }],
    ['reordered records', (() => {
      let held: Buffer | null = null;
      return (r: Buffer, i: number, out: { write(b: Buffer): void }) => {
        if (i === 2) held = r;
        else { out.write(r); if (i === 3 && held) out.write(held); }
      };
    })()],
    ['a dropped record', (r, i, out) => { if (i !== 2) out.write(r); }],
    ['a record cut short, then the stream ended', (r, i, out) => { if (i < 2) out.write(r); else if (i === 2) { out.write(r.subarray(0, r.length >> 1)); out.end(); } }],
    ['a forged plain frame injected by a host without the token', (r, i, out) => {
      if (i === 2) out.write(Buffer.concat([frameHeaderBytes({ op: 1, seq: 1, part: 2, sender: 1, dtype: 6, payloadLength: 4096 }), Buffer.alloc(4096)]));
      else out.write(r);
    }],
  ];
  for (const mode of ['encrypt', 'integrity'] as const) {
    for (const [what, attack] of recordAttacks) {
      it(`${what} on a peer link (${mode}) fails both ranks with code integrity`, async () => {
        await expectIntegrityFailure(await twoRanksThroughRelay({ toRank0: recordFilter(attack) }, mode), /cut short/.test(what));
      });
    }
  }

  it('a relay holding another token cannot stand in for rank 0: the handshake fails with code auth', async () => {
    const impostor = await PeerListener.listen({ rank: 0, worldSize: 2, jobToken: Buffer.from(generateJobToken()), host: '127.0.0.1' });
    const listener = await PeerListener.listen({ rank: 1, worldSize: 2, jobToken, host: '127.0.0.1' });
    try {
      await assert.rejects(
        connectTcpMesh({ rank: 1, worldSize: 2, jobToken, listener, peers: [impostor.address, listener.address], timeoutMs: 3000 }),
        (e: CommError) => e.code === 'auth',
      );
    } finally {
      impostor.close();
      listener.close();
    }
  });
});

describe('tampering with the rendezvous store connection', () => {
  it('an altered reply fails the client with code integrity; an altered request is dropped by the store', async () => {
    const warnings: string[] = [];
    const server = await StoreServer.start({ host: '127.0.0.1', port: 0, jobToken, onWarning: (m) => warnings.push(m) });
    const relay = await startRelay(server.address, { toTarget: flipInLargeChunks(), toDialer: flipInLargeChunks() });
    relays.push(relay);
    const direct = await StoreClient.connect({ host: '127.0.0.1', port: server.address.port, rank: 0, jobToken, connectTimeoutMs: 2000 });
    const relayed = await StoreClient.connect({ host: '127.0.0.1', port: relay.address.port, rank: 1, jobToken, connectTimeoutMs: 2000 });
    const relayedToo = await StoreClient.connect({ host: '127.0.0.1', port: relay.address.port, rank: 2, jobToken, connectTimeoutMs: 2000 });
    try {
      await direct.set('big', new Uint8Array(200_000).fill(1));
      await assert.rejects(relayed.get('big', 2000), isIntegrity);
      await assert.rejects(relayedToo.set('other', new Uint8Array(200_000)), (e: CommError) => e.code === 'peer_closed' || e.code === 'integrity');
      assert.ok(warnings.some((w) => /client rank 2/.test(w) && /not authentic/.test(w)), warnings.join('\n'));
    } finally {
      for (const c of [direct, relayed, relayedToo]) c.close();
      await server.close();
    }
  });
});
