// Parsing of the elastic-launch flags (torchrun's names) and the lines printed for rounds and membership changes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { parseElasticFlags, parseRendezvousConf } from './elastic-flags.js';
import { describeElasticEvent } from './elastic-lines.js';
import { checkElasticOptions } from '../launch/elastic-launch.js';

test('static launches stay static; MIN:MAX or any rendezvous flag makes an elastic one', () => {
  assert.equal(parseElasticFlags({}), undefined);
  assert.equal(parseElasticFlags({ nnodes: '2' }), undefined);
  assert.deepEqual(parseElasticFlags({ nnodes: '3:4', rdzvEndpoint: 'n0:29400', rdzvId: 'job7' }), {
    minNodes: 3, maxNodes: 4, backend: 'builtin', endpoint: 'n0:29400', rdzvId: 'job7', timing: {}, conf: {}, localAddr: undefined,
  });
  assert.deepEqual(parseElasticFlags({ nnodes: '2', rdzvBackend: 'builtin', rdzvEndpoint: 'h:1' })?.maxNodes, 2);
});

test('--rdzv-conf reads torchrun keys in seconds; the keep-alive timeout is interval × attempts; other keys go to the backend', () => {
  assert.deepEqual(parseRendezvousConf('join_timeout=60, last_call_timeout=2,keep_alive_interval=0.5,keep_alive_max_attempt=4,ca_cert=/a=b.pem'), {
    timing: { joinTimeoutMs: 60_000, lastCallMs: 2000, keepAliveIntervalMs: 500, keepAliveTimeoutMs: 2000 }, conf: { ca_cert: '/a=b.pem' },
  });
  assert.deepEqual(parseRendezvousConf('keep_alive_max_attempt=2').timing, { keepAliveTimeoutMs: 10_000 });
  assert.throws(() => checkElasticOptions({ ...parseElasticFlags({ nnodes: '1:2', rdzvEndpoint: 'h', rdzvConf: 'timeout=3' })! }), (e: Error) => e instanceof InvalidArgumentError && /timeout.*join_timeout/.test(e.message));
  assert.doesNotThrow(() => checkElasticOptions({ ...parseElasticFlags({ nnodes: '1:2', rdzvBackend: 'etcd', rdzvEndpoint: 'e1:2379,e2:2379', rdzvConf: 'ttl=10' })! }));
});

test('bad elastic flags name the flag', () => {
  for (const [flags, field] of [
    [{ nnodes: '3:4' }, '--rdzv-endpoint'], [{ nnodes: '3-4', rdzvEndpoint: 'h:1' }, '--nnodes'], [{ nnodes: 'x:4', rdzvEndpoint: 'h:1' }, '--nnodes'],
    [{ nnodes: '2', localAddr: '10.0.0.1' }, '--local-addr'], [{ nnodes: '1:2', rdzvEndpoint: 'h', rdzvConf: 'join_timeout=0' }, '--rdzv-conf'],
 [{ nnodes: '1:2', rdzvEndpoint: 'h', rdzvConf: 'ttl' }, '--rdzv-conf'], [{ nnodes: '1:2', rdzvEndpoint: 'h', rdzvConf: 'keep_alive_max_attempt=1.5' }, '--rdzv-conf'],
  ] as const) {
    assert.throws(() => parseElasticFlags(flags), (e: Error) => e instanceof InvalidArgumentError && e.message.includes(field), JSON.stringify(flags));
  }
});

test('round and membership lines say generation, node rank, world size and cause', () => {
  assert.equal(describeElasticEvent({ type: 'round', generation: 2, nodeRank: 0, nnodes: 4, worldSize: 8, cause: 'node d waiting to join at generation 1; 3 → 4 nodes' }),
    'generation 2: node 0 of 4, world size 8 (node d waiting to join at generation 1; 3 → 4 nodes)');
  assert.match(describeElasticEvent({ type: 'membership-change', generation: 1, description: 'node c lost' }), /during generation 1: node c lost; .*no restart used/);
});
