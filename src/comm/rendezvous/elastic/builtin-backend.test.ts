// Tests of the builtin backend over loopback: who hosts, compare-and-set through the store, a round formed through
// it, a client with another token refused, and the endpoint parsing and registry.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../../errors.js';
import { freePort } from '../../test-support/free-port.js';
import { CommError } from '../../errors.js';
import { checkRendezvousBackend, openRendezvousBackend, parseRendezvousEndpoint, type ElasticBackend } from './backends.js';
import { ElasticRendezvous } from './handler.js';
import { rendezvousSealKey } from './sealed-state.js';

const TOKEN = 'f00dfeedc0ffee0123456789abcdef42';


async function withBackends(count: number, body: (backends: ElasticBackend[], port: number) => Promise<void>): Promise<void> {
  const port = await freePort();
  const backends: ElasticBackend[] = [];
  try {
    for (let i = 0; i < count; i++) {
      backends.push(await openRendezvousBackend('builtin', { endpoint: `127.0.0.1:${port}`, rdzvId: 'job', jobToken: TOKEN, connectTimeoutMs: 5000 }));
    }
    await body(backends, port);
  } finally {
    for (const b of backends.reverse()) await b.close();
  }
}

describe('builtin rendezvous backend', () => {
  it('the first launcher hosts; compare-and-set writes only over the expected version', async () => {
    await withBackends(2, async ([host, other]) => {
      assert.equal(host.hostsState, true);
      assert.equal(other.hostsState, false);
      assert.equal(await other.getState(), undefined);
      const first = await other.setState(Buffer.from('one'), undefined);
      assert.equal(first.written, true);
      const again = await host.setState(Buffer.from('rival'), undefined);
      assert.deepEqual([again.written, Buffer.from(again.state).toString()], [false, 'one']);
      const second = await host.setState(Buffer.from('two'), first.token);
      assert.equal(second.written, true);
      const stale = await other.setState(Buffer.from('three'), first.token);
      assert.deepEqual([stale.written, Buffer.from(stale.state).toString(), stale.token], [false, 'two', second.token]);
      const read = await other.getState();
      assert.deepEqual([Buffer.from(read!.state).toString(), read!.token], ['two', second.token]);
    });
  });

  it('carries a whole round between launchers', async () => {
    await withBackends(3, async (backends) => {
      const timing = { joinTimeoutMs: 10_000, lastCallMs: 200, keepAliveIntervalMs: 50, keepAliveTimeoutMs: 1000 };
      const rounds = await Promise.all(backends.map((backend, i) => new ElasticRendezvous({
        backend, nodeId: `n${i}`, min: 3, max: 3, rdzvId: 'job', sealKey: rendezvousSealKey(TOKEN, 'job'), timing,
      }).join(undefined, { kind: 'start', node: `n${i}`, text: 'start' }, { addr: '127.0.0.1', storePort: 5000 + i })));
      assert.deepEqual(rounds.map((r) => r.nodeRank).sort(), [0, 1, 2]);
      assert.deepEqual(rounds[1].addresses, rounds[0].addresses);
    });
  });

  it('a launcher with another token is refused by the host', async () => {
    await withBackends(1, async (_, port) => {
      await assert.rejects(
        openRendezvousBackend('builtin', { endpoint: `127.0.0.1:${port}`, rdzvId: 'job', jobToken: 'another0123456789abcdefABCDEF99', connectTimeoutMs: 3000 }),
        (e: Error) => e instanceof CommError && e.code === 'auth',
      );
    });
  });

  it('parses endpoints and names the known backends', () => {
    assert.deepEqual(parseRendezvousEndpoint('node0:1234'), { host: 'node0', port: 1234 });
    assert.deepEqual(parseRendezvousEndpoint('node0'), { host: 'node0', port: 29400 });
    assert.deepEqual(parseRendezvousEndpoint('[::1]:9'), { host: '::1', port: 9 });
    for (const bad of ['', 'a:b', 'a:0', 'a:70000', 'a:1:2']) assert.throws(() => parseRendezvousEndpoint(bad), InvalidArgumentError, bad);
    assert.throws(() => checkRendezvousBackend('zookeeper'), /one of builtin/);
  });
});
