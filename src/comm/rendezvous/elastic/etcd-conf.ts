// The etcd backend's settings from --rdzv-conf key=value pairs (torchrun's etcd names: protocol, ca_cert, ssl_cert,
// ssl_cert_key, read_timeout; plus ttl and key_prefix) and the user and password from the environment.

import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../../errors.js';
import type { EtcdBackendOptions } from './etcd-backend.js';

/** Environment variables with etcd's user and password (kept off the command line, where `ps` shows them). */
export const ETCD_USER_ENV = 'LION_CUB_ETCD_USER';
export const ETCD_PASSWORD_ENV = 'LION_CUB_ETCD_PASSWORD';

export type EtcdConfOptions = Pick<EtcdBackendOptions, 'credentials' | 'auth' | 'timeoutMs' | 'ttlSeconds' | 'keyPrefix'> & {
  /** True when `protocol=https` asks for TLS on endpoints given without a scheme. */
  https?: boolean;
};

/** Reads the etcd keys of `conf` (others are left to the rendezvous); files are read now so errors name them. */
export function etcdOptionsFromConf(conf: Readonly<Record<string, string | undefined>>, env: NodeJS.ProcessEnv = process.env): EtcdConfOptions {
  const options: EtcdConfOptions = {};
  if (conf.protocol !== undefined) {
    if (conf.protocol !== 'http' && conf.protocol !== 'https') throw new InvalidArgumentError('--rdzv-conf protocol', conf.protocol, 'http or https');
    options.https = conf.protocol === 'https';
  }
  if (conf.ca_cert !== undefined || conf.ssl_cert !== undefined || conf.ssl_cert_key !== undefined) {
    if (conf.ca_cert === undefined) throw new InvalidArgumentError('--rdzv-conf ca_cert', undefined, 'the CA certificate (PEM file) of etcd when ssl_cert or ssl_cert_key is given');
    if ((conf.ssl_cert === undefined) !== (conf.ssl_cert_key === undefined)) {
      throw new InvalidArgumentError('--rdzv-conf ssl_cert_key', conf.ssl_cert_key, 'ssl_cert and ssl_cert_key together (client certificate and its key, PEM files)');
    }
    options.credentials = {
      rootCertificate: readPem('ca_cert', conf.ca_cert),
      certChain: conf.ssl_cert === undefined ? undefined : readPem('ssl_cert', conf.ssl_cert),
      privateKey: conf.ssl_cert_key === undefined ? undefined : readPem('ssl_cert_key', conf.ssl_cert_key),
    };
    options.https ??= true;
  }
  if (conf.read_timeout !== undefined) options.timeoutMs = seconds('read_timeout', conf.read_timeout, 1) * 1000;
  if (conf.ttl !== undefined) options.ttlSeconds = seconds('ttl', conf.ttl, 2);
  if (conf.key_prefix !== undefined) {
    if (!/^\/[\w./-]*$/.test(conf.key_prefix)) throw new InvalidArgumentError('--rdzv-conf key_prefix', conf.key_prefix, 'an etcd key path such as /lion-cub/rdzv');
    options.keyPrefix = conf.key_prefix;
  }
  const username = env[ETCD_USER_ENV];
  if (username) {
    const password = env[ETCD_PASSWORD_ENV];
    if (!password) throw new InvalidArgumentError(ETCD_PASSWORD_ENV, password, `etcd's password for ${ETCD_USER_ENV}=${username}`);
    options.auth = { username, password };
  }
  return options;
}

/** `endpoints` with https:// put in front of entries without a scheme, when `https` asks for it. */
export function applyEtcdProtocol(endpoints: string, https: boolean | undefined): string {
  if (!https) return endpoints;
  return endpoints.split(',').map((e) => (/^\w+:\/\//.test(e.trim()) ? e.trim() : `https://${e.trim()}`)).join(',');
}

function readPem(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InvalidArgumentError(`--rdzv-conf ${key}`, path, `a readable PEM file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function seconds(key: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw new InvalidArgumentError(`--rdzv-conf ${key}`, text, `a whole number of seconds >= ${min}`);
  return value;
}
