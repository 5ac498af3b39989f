// parseEtcdEndpoints: the --rdzv-endpoint forms etcd users write, and errors that name the element at fault.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../errors.js';
import { formatEtcdEndpoint, parseEtcdEndpoints } from './etcd-endpoints.js';

test('host:port lists, schemes, IPv6 and the default port 2379', () => {
  assert.deepEqual(parseEtcdEndpoints('127.0.0.1:2379'), [{ host: '127.0.0.1', port: 2379, tls: false }]);
  assert.deepEqual(parseEtcdEndpoints('etcd-1:23790, etcd-2'), [
    { host: 'etcd-1', port: 23790, tls: false }, { host: 'etcd-2', port: 2379, tls: false },
  ]);
  assert.deepEqual(parseEtcdEndpoints('https://etcd.example:2379/'), [{ host: 'etcd.example', port: 2379, tls: true }]);
  const v6 = parseEtcdEndpoints('http://[::1]:4001');
  assert.deepEqual(v6, [{ host: '[::1]', port: 4001, tls: false }]);
  assert.equal(formatEtcdEndpoint(v6[0]), '[::1]:4001');
});

test('bad lists are refused naming the flag and the element', () => {
  const refused = (list: string, pattern: RegExp) => assert.throws(() => parseEtcdEndpoints(list), (e: unknown) =>
    e instanceof InvalidArgumentError && e.field === '--rdzv-endpoint' && pattern.test(e.message));
  refused('', /host:port/);
  refused('a:1,,b:2', /"" is not host:port/);
  refused('etcd:http', /"etcd:http" is not host:port/);
  refused('etcd:70000', /port 70000 of "etcd:70000" is not in 1\.\.65535/);
  refused('etcd:0', /port 0/);
  refused('ftp://etcd:2379', /"ftp:\/\/etcd:2379" is not host:port/);
  refused('http://a:1,https://b:2', /all http:\/\/ or all https:\/\//);
});
