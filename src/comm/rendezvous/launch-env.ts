// Where this process sits in the job: rank, world size, local rank and rendezvous address, from options or launcher variables.

import { InvalidArgumentError } from '../../errors.js';

/** Values a caller may give directly; each one overrides the environment. */
export interface LaunchOptions {
  rank?: number;
  worldSize?: number;
  localRank?: number;
  /** Host of the rendezvous store (rank 0). */
  masterAddr?: string;
  /** Port of the rendezvous store. */
  masterPort?: number;
  /** Restart generation of the job (0 for the first start). */
  generation?: number;
}

/** Which launcher the values came from. */
export type LaunchSource = 'explicit' | 'torchrun' | 'openmpi' | 'pmi' | 'slurm' | 'single';

/** Rank, world size and rendezvous address read from the environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT). */
export interface LaunchEnv {
  rank: number;
  worldSize: number;
  /** Index of this process among those on its host, when the launcher says. */
  localRank: number | undefined;
  masterAddr: string;
  masterPort: number;
  /** The launcher whose variables supplied rank and world size ('single': none found, one process). */
  source: LaunchSource;
  /** How many times the job has been restarted (TORCHELASTIC_RESTART_COUNT); ranks of different generations never meet. */
  generation: number;
  /** Why the launcher started this generation (LION_CUB_RESTART_CAUSE), when it says. */
  restartCause: string | undefined;
}

/** torchrun's name for the restart count; lion-cub's launcher sets it too. */
export const RESTART_COUNT_ENV = 'TORCHELASTIC_RESTART_COUNT';
/** The launcher's description of the failure that caused this generation. */
export const RESTART_CAUSE_ENV = 'LION_CUB_RESTART_CAUSE';

/** torch.distributed's default rendezvous port. */
export const DEFAULT_MASTER_PORT = 29500;

interface Family {
  source: Exclude<LaunchSource, 'explicit' | 'single'>;
  rank: string;
  size: string;
  localRank?: string;
}

/** Launcher conventions in order of precedence. */
const FAMILIES: readonly Family[] = [
  { source: 'torchrun', rank: 'RANK', size: 'WORLD_SIZE', localRank: 'LOCAL_RANK' },
  { source: 'openmpi', rank: 'OMPI_COMM_WORLD_RANK', size: 'OMPI_COMM_WORLD_SIZE', localRank: 'OMPI_COMM_WORLD_LOCAL_RANK' },
  { source: 'pmi', rank: 'PMI_RANK', size: 'PMI_SIZE' },
  { source: 'slurm', rank: 'SLURM_PROCID', size: 'SLURM_NTASKS', localRank: 'SLURM_LOCALID' },
];

/**
 * Resolves the launch parameters. Precedence, field by field: `explicit` options; then the first
 * launcher family present in `env` (a family is present when its rank or size variable is set):
 * RANK/WORLD_SIZE/LOCAL_RANK (torchrun), OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK, PMI_RANK/PMI_SIZE,
 * SLURM_PROCID/SLURM_NTASKS/SLURM_LOCALID. Rank, size and local rank always come from ONE family, never
 * mixed. With no explicit values and no family, the process runs alone (rank 0 of 1).
 *
 * Master address: explicit > LION_CUB_MASTER_ADDR > MASTER_ADDR; required when worldSize > 1, else
 * 127.0.0.1. Master port: explicit > LION_CUB_MASTER_PORT > MASTER_PORT > 29500. Generation: explicit >
 * TORCHELASTIC_RESTART_COUNT > 0.
 *
 * Throws InvalidArgumentError naming the option or variable that is missing or malformed (not a
 * non-negative integer, rank >= world size, port outside 1..65535).
 */
export function resolveLaunchEnv(explicit: LaunchOptions = {}, env: NodeJS.ProcessEnv = process.env): LaunchEnv {
  const family = FAMILIES.find((f) => env[f.rank] !== undefined || env[f.size] !== undefined);
  const fromEnv = (name: string | undefined): number | undefined => (name !== undefined && env[name] !== undefined ? parseCount(name, env[name]!) : undefined);

  let rank = explicit.rank !== undefined ? checkCount('rank', explicit.rank) : fromEnv(family?.rank);
  let worldSize = explicit.worldSize !== undefined ? checkCount('worldSize', explicit.worldSize) : fromEnv(family?.size);
  const localRank = explicit.localRank !== undefined ? checkCount('localRank', explicit.localRank) : fromEnv(family?.localRank);

  let source: LaunchSource = explicit.rank !== undefined && explicit.worldSize !== undefined ? 'explicit' : family?.source ?? 'explicit';
  if (rank === undefined && worldSize === undefined) {
    rank = 0;
    worldSize = 1;
    source = 'single';
  }
  if (rank === undefined) throw missing(family?.rank ?? 'rank', 'the rank of this process');
  if (worldSize === undefined) throw missing(family?.size ?? 'worldSize', 'the number of processes in the job');
  if (worldSize < 1) throw new InvalidArgumentError(family !== undefined && explicit.worldSize === undefined ? family.size : 'worldSize', worldSize, 'at least 1');
  if (rank >= worldSize) {
    throw new InvalidArgumentError(family !== undefined && explicit.rank === undefined ? family.rank : 'rank', rank, `a rank below the world size ${worldSize}`);
  }
  if (localRank !== undefined && localRank >= worldSize) {
    throw new InvalidArgumentError(family?.localRank !== undefined && explicit.localRank === undefined ? family.localRank : 'localRank', localRank, `a local rank below the world size ${worldSize}`);
  }

  const [addrField, addr] = firstSet(['masterAddr', explicit.masterAddr], ['LION_CUB_MASTER_ADDR', env.LION_CUB_MASTER_ADDR], ['MASTER_ADDR', env.MASTER_ADDR]);
  if (addr !== undefined && addr.trim() === '') throw new InvalidArgumentError(addrField, addr, 'a host name or IP address of the machine running rank 0');
  if (addr === undefined && worldSize > 1) {
    throw missing('MASTER_ADDR', 'the address of the machine running rank 0 (set MASTER_ADDR or LION_CUB_MASTER_ADDR, or pass masterAddr)');
  }
  const [portField, portValue] = firstSet<number | string>(['masterPort', explicit.masterPort], ['LION_CUB_MASTER_PORT', env.LION_CUB_MASTER_PORT], ['MASTER_PORT', env.MASTER_PORT]);
  const masterPort = portValue === undefined ? DEFAULT_MASTER_PORT : typeof portValue === 'number' ? checkCount(portField, portValue) : parseCount(portField, portValue);
  if (masterPort < 1 || masterPort > 65535) throw new InvalidArgumentError(portField, masterPort, 'a TCP port in 1..65535');

  const generation = explicit.generation !== undefined ? checkCount('generation', explicit.generation)
    : env[RESTART_COUNT_ENV] !== undefined ? parseCount(RESTART_COUNT_ENV, env[RESTART_COUNT_ENV]!) : 0;
  const restartCause = env[RESTART_CAUSE_ENV] === undefined || env[RESTART_CAUSE_ENV] === '' ? undefined : env[RESTART_CAUSE_ENV];
  return { rank, worldSize, localRank, masterAddr: addr?.trim() ?? '127.0.0.1', masterPort, source, generation, restartCause };
}

function firstSet<T>(...candidates: Array<[string, T | undefined]>): [string, T | undefined] {
  return candidates.find(([, v]) => v !== undefined) ?? [candidates[0][0], undefined];
}

function parseCount(name: string, text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
    throw new InvalidArgumentError(name, text, 'a non-negative integer');
  }
  return Number(trimmed);
}

function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(name, value, 'a non-negative integer');
  return value;
}

function missing(name: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError(name, undefined, what);
}
