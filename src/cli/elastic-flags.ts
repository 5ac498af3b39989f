// The elastic-launch flags of `lion-cub train` and `lion-cub run`, with torchrun's names: --nnodes MIN:MAX,
// --rdzv-backend, --rdzv-endpoint, --rdzv-id, --rdzv-conf and --local-addr.

import { Command } from 'commander';
import { rendezvousBackendNames } from '../comm/rendezvous/elastic/backends.js';
import { TIMING_CONF_KEYS, type ElasticTiming } from '../comm/rendezvous/elastic/handler.js';
import { InvalidArgumentError } from '../errors.js';
import type { ElasticOptions } from '../launch/launch.js';

export interface ElasticFlags {
  nnodes?: string;
  rdzvBackend?: string;
  rdzvEndpoint?: string;
  rdzvId?: string;
  rdzvConf?: string;
  localAddr?: string;
}

/** Adds the rendezvous flags (`--nnodes` itself is the command's: run has its static form already). */
export function addElasticOptions(command: Command): Command {
  return command
    .option('--rdzv-backend <name>', `elastic rendezvous backend: ${rendezvousBackendNames().join(', ')} (default builtin with --nnodes MIN:MAX)`)
    .option('--rdzv-endpoint <host:port>', 'where the rendezvous is served (builtin: the node that can bind it hosts it; default port 29400)')
    .option('--rdzv-id <id>', 'name of the job at the rendezvous, the same on every node (default none)')
    .option('--rdzv-conf <k=v,...>', 'join_timeout, last_call_timeout, keep_alive_interval (seconds), keep_alive_max_attempt')
    .option('--local-addr <addr>', 'address the other nodes reach this node at (default: the route to the rendezvous endpoint)');
}

/**
 * The elastic options when the flags ask for them (--nnodes MIN:MAX, or any --rdzv-* flag), else undefined (a static
 * launch, handled as before). Throws InvalidArgumentError naming the flag that is malformed or missing.
 */
export function parseElasticFlags(flags: ElasticFlags): ElasticOptions | undefined {
  const nnodes = flags.nnodes?.trim();
  const rdzvGiven = flags.rdzvBackend !== undefined || flags.rdzvEndpoint !== undefined || flags.rdzvId !== undefined || flags.rdzvConf !== undefined;
  if (!rdzvGiven && !nnodes?.includes(':')) {
    if (flags.localAddr !== undefined) throw new InvalidArgumentError('--local-addr', flags.localAddr, 'only with an elastic launch (--nnodes MIN:MAX --rdzv-endpoint host:port)');
    return undefined;
  }
  const m = /^(\d+)(?::(\d+))?$/.exec(nnodes ?? '');
  if (!m) throw new InvalidArgumentError('--nnodes', flags.nnodes, 'MIN:MAX (e.g. 3:4) or N with a rendezvous backend');
  if (flags.rdzvEndpoint === undefined) throw new InvalidArgumentError('--rdzv-endpoint', undefined, 'host:port of the rendezvous, the same on every node (e.g. node0:29400)');
  return {
    minNodes: Number(m[1]),
    maxNodes: Number(m[2] ?? m[1]),
    backend: flags.rdzvBackend ?? 'builtin',
    endpoint: flags.rdzvEndpoint,
    rdzvId: flags.rdzvId ?? 'none',
    ...parseRendezvousConf(flags.rdzvConf ?? ''),
    localAddr: flags.localAddr,
  };
}

/** Splits --rdzv-conf into the rendezvous' own keys (TIMING_CONF_KEYS) and the rest, which the backend checks: `conf`. */
export function parseRendezvousConf(text: string): { timing: Partial<ElasticTiming>; conf: Record<string, string> } {
  const timing: Partial<ElasticTiming> = {};
  const conf: Record<string, string> = {};
  let interval: number | undefined;
  let attempts: number | undefined;
  for (const pair of text.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const at = pair.indexOf('=');
    const [key, value] = at < 0 ? [pair, ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    if (value === '') throw new InvalidArgumentError('--rdzv-conf', pair, 'key=value pairs separated by commas');
    if (!(TIMING_CONF_KEYS as readonly string[]).includes(key)) {
      conf[key] = value;
      continue;
    }
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      throw new InvalidArgumentError('--rdzv-conf', pair, 'key=value with a positive number, e.g. join_timeout=600,last_call_timeout=10');
    }
    switch (key) {
      case 'join_timeout': timing.joinTimeoutMs = n * 1000; break;
      case 'last_call_timeout': timing.lastCallMs = n * 1000; break;
      case 'keep_alive_interval': interval = n * 1000; break;
      case 'keep_alive_max_attempt':
        if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError('--rdzv-conf', pair, 'keep_alive_max_attempt=K with an integer K ≥ 2');
        attempts = n;
        break;
    }
  }
  if (interval !== undefined) timing.keepAliveIntervalMs = interval;
  if (interval !== undefined || attempts !== undefined) timing.keepAliveTimeoutMs = (interval ?? 5000) * (attempts ?? 3);
  return { timing, conf };
}
