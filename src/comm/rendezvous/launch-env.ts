// Where this process sits in the job: rank, world size, local rank and rendezvous address, from options or launcher variables.

import { InvalidArgumentError } from '../../errors.js';
import { expandNodelist } from './slurm-nodelist.js';

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
export type LaunchSource = 'explicit' | 'kubernetes' | 'torchrun' | 'openmpi' | 'pmi' | 'slurm' | 'single';

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
  /** When the family is present; default: its rank or size variable is set. */
  present?: (env: NodeJS.ProcessEnv) => boolean;
}

/** Launcher conventions in order of precedence. */
const FAMILIES: readonly Family[] = [
  // A Kubernetes Indexed Job gives each pod its index; the manifest sets WORLD_SIZE (its completions) and MASTER_ADDR
  // (pod 0's stable name, <job>-0.<headless service>). A RANK set by a launcher inside the pod wins.
  { source: 'kubernetes', rank: 'JOB_COMPLETION_INDEX', size: 'WORLD_SIZE', present: (env) => env.JOB_COMPLETION_INDEX !== undefined && env.RANK === undefined },
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
 * Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX with WORLD_SIZE, no RANK) come first.
 *
 * Master address: explicit > LION_CUB_MASTER_ADDR > MASTER_ADDR > (Slurm) the first host of SLURM_JOB_NODELIST;
 * required when worldSize > 1, else 127.0.0.1. Master port: explicit > LION_CUB_MASTER_PORT > MASTER_PORT > 29500. Generation: explicit >
 * TORCHELASTIC_RESTART_COUNT > 0.
 *
 * Throws InvalidArgumentError naming the option or variable that is missing or malformed (not a
 * non-negative integer, rank >= world size, port outside 1..65535).
 */
export function resolveLaunchEnv(explicit: LaunchOptions = {}, env: NodeJS.ProcessEnv = process.env): LaunchEnv {
  checkNotNodeLevel(env);
  const family = FAMILIES.find((f) => (f.present ? f.present(env) : env[f.rank] !== undefined || env[f.size] !== undefined));
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

  // Under srun the first host of the job's node list runs rank 0 (tasks are placed block-wise by default).
  const nodelist = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  const slurmFirstHost = source === 'slurm' && nodelist ? expandNodelist(nodelist, env.SLURM_JOB_NODELIST ? 'SLURM_JOB_NODELIST' : 'SLURM_NODELIST')[0] : undefined;
  const [addrField, addr] = firstSet(['masterAddr', explicit.masterAddr], ['LION_CUB_MASTER_ADDR', env.LION_CUB_MASTER_ADDR], ['MASTER_ADDR', env.MASTER_ADDR], ['SLURM_JOB_NODELIST', slurmFirstHost]);
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

/** One node's share of a job whose launcher starts one process per node (Kubeflow PyTorchJob with PET_NPROC_PER_NODE > 1). */
export interface NodeLaunch {
  /** Processes to start on this node. */
  nproc: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
}

/**
 * A Kubeflow PyTorchJob whose pods should each run PET_NPROC_PER_NODE processes: there RANK is the pod's (node's)
 * rank, not a process rank, so this process must start the node's workers itself (as torchrun would). Returns the
 * node's share (nnodes from PET_NNODES, node rank from PET_NODE_RANK, else RANK), or undefined for any other
 * environment. Throws InvalidArgumentError naming the variable that is malformed or missing.
 */
export function nodeLaunchOf(env: NodeJS.ProcessEnv = process.env): NodeLaunch | undefined {
  if (env.PET_NPROC_PER_NODE === undefined || env.LOCAL_RANK !== undefined) return undefined;
  const nproc = parseCount('PET_NPROC_PER_NODE', env.PET_NPROC_PER_NODE);
  if (nproc <= 1) return undefined;
  const nnodesText = env.PET_NNODES ?? env.WORLD_SIZE;
  if (nnodesText === undefined) throw missing('PET_NNODES', 'the number of nodes (pods) of the PyTorchJob');
  // Elastic jobs write "MIN:MAX"; a fixed size is the only one a static job can use.
  const [min, max = min] = nnodesText.split(':');
  const nnodes = parseCount('PET_NNODES', min);
  if (parseCount('PET_NNODES', max) !== nnodes) throw new InvalidArgumentError('PET_NNODES', nnodesText, 'a fixed number of nodes (elastic MIN:MAX ranges are not supported)');
  const nodeRankName = env.PET_NODE_RANK !== undefined ? 'PET_NODE_RANK' : 'RANK';
  if (env[nodeRankName] === undefined) throw missing('PET_NODE_RANK', 'the rank of this node (pod) in the PyTorchJob');
  const nodeRank = parseCount(nodeRankName, env[nodeRankName]!);
  if (nodeRank >= nnodes) throw new InvalidArgumentError(nodeRankName, nodeRank, `a node rank below the number of nodes ${nnodes}`);
  const addr = env.PET_MASTER_ADDR ?? env.MASTER_ADDR;
  if (addr === undefined || addr.trim() === '') throw missing('MASTER_ADDR', 'the address of the PyTorchJob\'s master pod');
  const portText = env.PET_MASTER_PORT ?? env.MASTER_PORT;
  const masterPort = portText === undefined ? DEFAULT_MASTER_PORT : parseCount(env.PET_MASTER_PORT !== undefined ? 'PET_MASTER_PORT' : 'MASTER_PORT', portText);
  return { nproc, nnodes, nodeRank, masterAddr: addr.trim(), masterPort };
}

/** A process of a node-level launch cannot be one rank: its RANK names the node. */
function checkNotNodeLevel(env: NodeJS.ProcessEnv): void {
  if (nodeLaunchOf(env) !== undefined) {
    throw new InvalidArgumentError('PET_NPROC_PER_NODE', env.PET_NPROC_PER_NODE,
      '1, or processes started per node: with PET_NPROC_PER_NODE > 1 RANK is the pod\'s rank; run `lion-cub train` (it starts the node\'s workers) or torchrun in the pod');
  }
}
