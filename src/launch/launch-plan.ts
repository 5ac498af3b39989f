// Validates launcher options and derives each local worker's rank and torchrun-style environment.

import { InvalidArgumentError } from '../errors.js';
import { JOB_TOKEN_ENV } from '../comm/transport/handshake.js';

export { JOB_TOKEN_ENV };

/** The topology facts one launcher instance needs: how many workers here, and where it sits in the job. */
export interface LaunchPlanInput {
  /** Worker processes started by this launcher (one per rank on this node). */
  nproc: number;
  /** Nodes (launchers) in the job; 1 for a single machine. */
  nnodes?: number;
  /** Index of this node in [0, nnodes). */
  nodeRank?: number;
}

export interface LaunchPlan {
  nproc: number;
  nnodes: number;
  nodeRank: number;
  /** nnodes · nproc. */
  worldSize: number;
  /** Global ranks of the local workers, in local-rank order: nodeRank · nproc + localRank. */
  ranks: number[];
}

/**
 * Checks the counts and returns the rank layout.
 * Throws InvalidArgumentError naming the field when a count is not a positive integer or nodeRank is out of range.
 */
export function planLaunch(input: LaunchPlanInput): LaunchPlan {
  const nproc = input.nproc;
  const nnodes = input.nnodes ?? 1;
  const nodeRank = input.nodeRank ?? 0;
  if (!Number.isInteger(nproc) || nproc < 1) throw new InvalidArgumentError('nproc', nproc, 'a positive integer (workers on this node)');
  if (!Number.isInteger(nnodes) || nnodes < 1) throw new InvalidArgumentError('nnodes', nnodes, 'a positive integer (nodes in the job)');
  if (!Number.isInteger(nodeRank) || nodeRank < 0 || nodeRank >= nnodes) {
    throw new InvalidArgumentError('nodeRank', nodeRank, `an integer in [0, ${nnodes - 1}] (this node's index among ${nnodes})`);
  }
  const ranks = Array.from({ length: nproc }, (_, local) => nodeRank * nproc + local);
  return { nproc, nnodes, nodeRank, worldSize: nnodes * nproc, ranks };
}

export interface WorkerEnvInput {
  plan: LaunchPlan;
  localRank: number;
  masterAddr: string;
  masterPort: number;
  jobToken: string;
}

/**
 * The variables a worker reads in `initProcessGroup` (torchrun names plus the job token):
 * RANK = nodeRank·nproc + LOCAL_RANK, WORLD_SIZE = nnodes·nproc, LOCAL_WORLD_SIZE = nproc.
 * Returned as a fresh object; the caller merges it over the inherited environment.
 */
export function workerEnv({ plan, localRank, masterAddr, masterPort, jobToken }: WorkerEnvInput): Record<string, string> {
  return {
    RANK: String(plan.ranks[localRank]),
    WORLD_SIZE: String(plan.worldSize),
    LOCAL_RANK: String(localRank),
    LOCAL_WORLD_SIZE: String(plan.nproc),
    GROUP_RANK: String(plan.nodeRank),
    MASTER_ADDR: masterAddr,
    MASTER_PORT: String(masterPort),
    [JOB_TOKEN_ENV]: jobToken,
  };
}

/** Throws InvalidArgumentError unless `port` is an integer TCP port in [1, 65535]. */
export function checkPort(field: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(field, port, 'an integer TCP port in [1, 65535]');
  return port;
}
