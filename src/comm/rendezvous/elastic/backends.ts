// The elastic rendezvous backends by name (--rdzv-backend), and the parsing of --rdzv-endpoint.

import { InvalidArgumentError } from '../../../errors.js';
import { BuiltinStateBackend } from './builtin-backend.js';
import { EtcdRendezvousBackend } from './etcd-backend.js';
import { applyEtcdProtocol, etcdOptionsFromConf } from './etcd-conf.js';
import { parseEtcdEndpoints } from './etcd-endpoints.js';
import type { RendezvousStateBackend } from './state-backend.js';

/** torchrun's default port of a c10d rendezvous endpoint. */
export const DEFAULT_RDZV_PORT = 29400;

export interface RendezvousEndpoint {
  host: string;
  port: number;
}

/** What every backend is opened with. */
export interface BackendContext {
  /** --rdzv-endpoint as given (each backend parses its own form). */
  endpoint: string;
  rdzvId: string;
  /** The job token (LION_CUB_JOB_TOKEN); backends that authenticate derive their keys from it. */
  jobToken: string;
  /** Bound on reaching the backend. */
  connectTimeoutMs: number;
  /** The backend's own --rdzv-conf keys (the rendezvous' time limits taken out). */
  conf?: Readonly<Record<string, string>>;
  onWarning?: (message: string) => void;
}

/** A backend as the launcher holds it; `hostsState` marks a launcher whose loss ends the job (builtin's host). */
export interface ElasticBackend extends RendezvousStateBackend {
  readonly hostsState?: boolean;
}

interface BackendEntry {
  open(context: BackendContext): Promise<ElasticBackend>;
  /** The host of (the first) endpoint: this node's address is the one on the route there. Throws for a malformed endpoint. */
  endpointHost(endpoint: string): string;
  /** --rdzv-conf keys of the backend. */
  confKeys: readonly string[];
}

const BACKENDS: Record<string, BackendEntry> = {
  builtin: {
    open: (c) => BuiltinStateBackend.open({ ...parseRendezvousEndpoint(c.endpoint), rdzvId: c.rdzvId, jobToken: c.jobToken, connectTimeoutMs: c.connectTimeoutMs, onWarning: c.onWarning }),
    endpointHost: (endpoint) => parseRendezvousEndpoint(endpoint).host,
    confKeys: [],
  },
  etcd: {
    open: async (c) => {
      const { https, ...options } = etcdOptionsFromConf(c.conf ?? {});
      return new EtcdRendezvousBackend({ ...options, endpoints: applyEtcdProtocol(c.endpoint, https), runId: c.rdzvId });
    },
    endpointHost: (endpoint) => parseEtcdEndpoints(endpoint)[0].host.replace(/^\[(.*)\]$/, '$1'),
    confKeys: ['protocol', 'ca_cert', 'ssl_cert', 'ssl_cert_key', 'read_timeout', 'ttl', 'key_prefix'],
  },
};

export function rendezvousBackendNames(): string[] {
  return Object.keys(BACKENDS);
}

/** Throws InvalidArgumentError naming --rdzv-backend and the known names for an unknown one. */
export function checkRendezvousBackend(name: string): string {
  if (!Object.hasOwn(BACKENDS, name)) throw new InvalidArgumentError('--rdzv-backend', name, `one of ${rendezvousBackendNames().join(', ')}`);
  return name;
}

export function openRendezvousBackend(name: string, context: BackendContext): Promise<ElasticBackend> {
  return BACKENDS[checkRendezvousBackend(name)].open(context);
}

/** Checks `endpoint` in the backend's form and returns the host this node routes to. */
export function rendezvousEndpointHost(name: string, endpoint: string): string {
  return BACKENDS[checkRendezvousBackend(name)].endpointHost(endpoint);
}

/** Throws InvalidArgumentError naming a --rdzv-conf key the backend does not know. */
export function checkBackendConf(name: string, conf: Readonly<Record<string, string>>, timingKeys: readonly string[]): void {
  const known = BACKENDS[checkRendezvousBackend(name)].confKeys;
  for (const key of Object.keys(conf)) {
    if (!known.includes(key)) throw new InvalidArgumentError('--rdzv-conf', key, `one of ${[...timingKeys, ...known].join(', ')} (with --rdzv-backend ${name})`);
  }
}

/** "host:port", "host" (port 29400) or "[v6]:port"; throws InvalidArgumentError naming --rdzv-endpoint. */
export function parseRendezvousEndpoint(text: string, defaultPort = DEFAULT_RDZV_PORT): RendezvousEndpoint {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(text.trim());
  const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('--rdzv-endpoint', text, 'host:port of the rendezvous (e.g. node0:29400; the port must be in 1..65535)');
  }
  return { host: m[1] ?? m[2], port };
}
