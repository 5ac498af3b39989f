// Parses an etcd endpoint list as --rdzv-endpoint takes it: `host:port[,host:port...]`, each optionally with
// http:// or https:// in front (https means TLS) and IPv6 hosts in brackets; the port defaults to etcd's 2379.

import { InvalidArgumentError } from '../../../errors.js';

export const DEFAULT_ETCD_PORT = 2379;

export interface EtcdEndpoint {
  host: string;
  port: number;
  tls: boolean;
}

const ENDPOINT = /^(?:(https?):\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/;
const EXPECTED = 'host:port[,host:port...] (e.g. 10.0.0.5:2379 or https://etcd-1:2379,https://etcd-2:2379)';

/** Splits and checks `list`; throws InvalidArgumentError naming `field` and the element that is wrong. */
export function parseEtcdEndpoints(list: string, field = '--rdzv-endpoint'): EtcdEndpoint[] {
  if (typeof list !== 'string' || list.trim() === '') throw new InvalidArgumentError(field, list, EXPECTED);
  const endpoints = list.split(',').map((raw) => parseOne(raw.trim(), list, field));
  if (new Set(endpoints.map((e) => e.tls)).size > 1) {
    throw new InvalidArgumentError(field, list, 'endpoints that are all http:// or all https:// (one etcd cluster)');
  }
  return endpoints;
}

/** `host:port` of an endpoint, as error messages and the gRPC channel name it. */
export function formatEtcdEndpoint(e: EtcdEndpoint): string {
  return `${e.host}:${e.port}`;
}

function parseOne(raw: string, list: string, field: string): EtcdEndpoint {
  const m = ENDPOINT.exec(raw);
  if (!m) throw new InvalidArgumentError(field, list, `${EXPECTED}; ${JSON.stringify(raw)} is not host:port`);
  const port = m[3] === undefined ? DEFAULT_ETCD_PORT : Number(m[3]);
  if (port < 1 || port > 65535) {
    throw new InvalidArgumentError(field, list, `${EXPECTED}; port ${m[3]} of ${JSON.stringify(raw)} is not in 1..65535`);
  }
  return { host: m[2], port, tls: m[1] === 'https' };
}
