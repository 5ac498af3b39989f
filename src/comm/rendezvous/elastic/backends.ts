// The elastic rendezvous backends by name (--rdzv-backend), and the parsing of --rdzv-endpoint.

import { InvalidArgumentError } from '../../../errors.js';
import { BuiltinStateBackend } from './builtin-backend.js';
import type { RendezvousStateBackend } from './state-backend.js';

/** torchrun's default port of a c10d rendezvous endpoint. */
export const DEFAULT_RDZV_PORT = 29400;

export interface RendezvousEndpoint {
  host: string;
  port: number;
}

/** What every backend is opened with. */
export interface BackendContext {
  endpoint: RendezvousEndpoint;
  rdzvId: string;
  /** The job token (LION_CUB_JOB_TOKEN); backends that authenticate derive their keys from it. */
  jobToken: string;
  /** Bound on reaching the backend. */
  connectTimeoutMs: number;
  onWarning?: (message: string) => void;
}

/** A backend as the launcher holds it; `hostsState` marks a launcher whose loss ends the job (builtin's host). */
export interface ElasticBackend extends RendezvousStateBackend {
  readonly hostsState?: boolean;
}

type BackendFactory = (context: BackendContext) => Promise<ElasticBackend>;

const BACKENDS: Record<string, BackendFactory> = {
  builtin: (c) => BuiltinStateBackend.open({ ...c.endpoint, rdzvId: c.rdzvId, jobToken: c.jobToken, connectTimeoutMs: c.connectTimeoutMs, onWarning: c.onWarning }),
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
  return BACKENDS[checkRendezvousBackend(name)](context);
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
