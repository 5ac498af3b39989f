// etcdOptionsFromConf: torchrun's etcd --rdzv-conf names, certificate files read up front, and the password from
// the environment; every bad value refused by name.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../../errors.js';
import { applyEtcdProtocol, etcdOptionsFromConf } from './etcd-conf.js';

const dir = mkdtempSync(join(tmpdir(), 'lion-cub-etcd-conf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pem = (name: string) => { const p = join(dir, name); writeFileSync(p, `-----BEGIN ${name}-----\n`); return p; };

test('TLS files, timeouts, TTL, prefix and the user from the environment', () => {
  const [ca, cert, key] = [pem('ca'), pem('cert'), pem('key')];
  const o = etcdOptionsFromConf({ ca_cert: ca, ssl_cert: cert, ssl_cert_key: key, read_timeout: '7', ttl: '30', key_prefix: '/jobs/rdzv', join_timeout: '60' },
    { LION_CUB_ETCD_USER: 'trainer', LION_CUB_ETCD_PASSWORD: 'pw' });
  assert.equal(o.credentials?.rootCertificate.toString(), '-----BEGIN ca-----\n');
  assert.equal(o.credentials?.certChain?.toString(), '-----BEGIN cert-----\n');
  assert.equal(o.credentials?.privateKey?.toString(), '-----BEGIN key-----\n');
  assert.deepEqual([o.https, o.timeoutMs, o.ttlSeconds, o.keyPrefix, o.auth], [true, 7000, 30, '/jobs/rdzv', { username: 'trainer', password: 'pw' }]);
  assert.deepEqual(etcdOptionsFromConf({}, {}), {});
  assert.equal(applyEtcdProtocol('a:1, http://b:2', true), 'https://a:1,http://b:2');
  assert.equal(applyEtcdProtocol('a:1', undefined), 'a:1');
});

test('bad values are refused naming the key', () => {
  const refused = (conf: Record<string, string>, field: string, env = {}) => assert.throws(() => etcdOptionsFromConf(conf, env),
    (e: unknown) => e instanceof InvalidArgumentError && e.field === field);
  refused({ protocol: 'grpc' }, '--rdzv-conf protocol');
  refused({ ssl_cert: pem('c2'), ssl_cert_key: pem('k2') }, '--rdzv-conf ca_cert');
  refused({ ca_cert: pem('ca2'), ssl_cert: pem('c3') }, '--rdzv-conf ssl_cert_key');
  refused({ ca_cert: join(dir, 'missing.pem') }, '--rdzv-conf ca_cert');
  refused({ read_timeout: '0' }, '--rdzv-conf read_timeout');
  refused({ ttl: '1' }, '--rdzv-conf ttl');
  refused({ ttl: '2.5' }, '--rdzv-conf ttl');
  refused({ key_prefix: 'no-slash' }, '--rdzv-conf key_prefix');
  refused({}, 'LION_CUB_ETCD_PASSWORD', { LION_CUB_ETCD_USER: 'trainer' });
});
