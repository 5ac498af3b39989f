// Starts the local workers of a job (optionally inside an emulated network), watches them, and stops them all together.

import { checkTimeoutMs, InvalidArgumentError } from '../errors.js';
import { checkNetemSupport } from '../netem/commands.js';
import { parseRate } from '../netem/rate.js';
import { sweepStaleNamespaces } from '../netem/sweep.js';
import { measureLinkThroughput } from './link-throughput.js';
import { createTopology, destroyTopology, type NetemTopology } from '../netem/topology.js';
import { describeFailure, type LaunchFailure, type LaunchEvent, type LaunchResult } from './events.js';
import { findFreePort } from './free-port.js';
import { RESTART_CAUSE_ENV, RESTART_COUNT_ENV } from '../comm/rendezvous/launch-env.js';
import { checkHeartbeatTimeout, DEFAULT_HEARTBEAT_TIMEOUT_MS, HEARTBEAT_INTERVAL_ENV, heartbeatIntervalMs } from './heartbeat.js';
import { jobTokenForLaunch } from './job-token.js';
import { JOB_TOKEN_ENV, checkPort, planLaunch, workerEnv } from './launch-plan.js';
import { abortReason, runWorkers } from './run-workers.js';
import { launchElastic, type ElasticOptions } from './elastic-launch.js';

export type { ElasticOptions };

export { describeFailure };

/** Port rank 0 listens on inside an emulated network: the namespace is new, so nothing else can hold it. */
const NETEM_MASTER_PORT = 29500;

/** Emulated Ethernet between the workers: each in its own network namespace behind a shaped link. */
export interface NetemOptions {
  /** Rate of every emulated NIC, e.g. "1gbit" (see parseRate). */
  rate: string;
  /** Measure the single-stream link throughput (ranks 0 → 1) before starting the workers. Default false. */
  measureLink?: boolean;
  /** Duration of that measurement. Default 2000 ms. */
  measureLinkMs?: number;
}

/** Options of launch: the script, the number of workers, their arguments and environment, and network emulation. */
export interface LaunchOptions {
  /** Workers on this node. */
  nproc: number;
  nnodes?: number;
  nodeRank?: number;
  /** Address of rank 0's rendezvous. Default 127.0.0.1 on one node; required on several; set by `netem`. */
  masterAddr?: string;
  /** Rendezvous port. Default: a free port on one node; required on several. */
  masterPort?: number;
  /** Path of the worker script (.js/.mjs, or .ts/.mts run through tsx). */
  script: string;
  args?: readonly string[];
  /** Extra variables for every worker, over the inherited environment and under the launcher's own. */
  env?: Record<string, string>;
  /** Inherit this process's environment. Default true. */
  inheritEnv?: boolean;
  /** Token for the transport handshake; default: LION_CUB_JOB_TOKEN from `env`/the environment, else fresh (single node only). */
  jobToken?: string;
  cwd?: string;
  /** Run every rank in its own network namespace behind a shaped switch (single node, root, iproute2). */
  netem?: NetemOptions;
  /** Time between SIGTERM and SIGKILL when stopping workers. Default 5000 ms. */
  stopGraceMs?: number;
  /**
   * A worker silent for this long (no heartbeat: stopped, frozen, or blocked in one synchronous call) is killed and
   * the launch fails naming it (kind 'worker-hung'). Default 15 000 ms (DEFAULT_HEARTBEAT_TIMEOUT_MS); 0 turns it off.
   */
  heartbeatTimeoutMs?: number;
  /**
   * After a failure (not an interrupt), stop every worker and start them all again, up to this many times
   * (torchrun's --max-restarts). Generation g's workers get TORCHELASTIC_RESTART_COUNT=g and, from g = 1,
   * LION_CUB_RESTART_CAUSE describing the failure; resuming from a checkpoint is the workers' job. Default 0.
   */
  maxRestarts?: number;
  /** Aborting stops every worker (the CLI aborts on SIGINT/SIGTERM); the result then has kind 'interrupted'. */
  signal?: AbortSignal;
  onEvent?: (event: LaunchEvent) => void;
  /**
   * Elastic membership (torchrun's --nnodes MIN:MAX with a dynamic rendezvous): nodes meet through a rendezvous
   * backend in rounds; each round's generation is TORCHELASTIC_RESTART_COUNT of its workers. Excludes nnodes,
   * nodeRank, masterAddr, masterPort and netem (the rendezvous decides them).
   */
  elastic?: ElasticOptions;
  /** Write a V8 CPU profile of every worker into this directory (`rank-<rank>.cpuprofile`, written at exit). */
  cpuProfileDir?: string;
}

/**
 * Runs one node's share of a job: `nproc` workers with RANK = nodeRank·nproc + LOCAL_RANK,
 * WORLD_SIZE = nnodes·nproc, MASTER_ADDR/PORT and LION_CUB_JOB_TOKEN set.
 *
 * When a worker exits non-zero, by a signal, cannot start, or sends no heartbeat for `heartbeatTimeoutMs`,
 * the others get SIGTERM and, after `stopGraceMs`, SIGKILL; the result names that first rank. With
 * `maxRestarts`, all workers are then started again as the next generation (on the same master address and
 * port), until one generation succeeds or the restarts are used up. Workers lead their own process groups,
 * which are killed as each worker exits, and preload a watchdog that ends them if the launcher dies,
 * so none outlives the launch. With `netem`, namespaces are swept for dead jobs first and always
 * deleted before the promise settles (success, failure, abort, or an exception).
 *
 * Resolves with the outcome (a worker failing is a result, not an exception). An exception thrown by `onEvent`
 * stops the workers and is rethrown once they are gone and netem is deleted. Throws
 * InvalidArgumentError for bad options, NetemUnavailableError / NetemCommandError when the network
 * cannot be built, TypeScriptLoaderMissingError for a .ts script without tsx.
 */
export async function launch(options: LaunchOptions): Promise<LaunchResult> {
  const startedAt = performance.now();
  const plan = planLaunch(options);
  if (typeof options.script !== 'string' || options.script.length === 0) throw new InvalidArgumentError('script', options.script, 'the path of the worker script');
  const stopGraceMs = checkTimeoutMs('stopGraceMs', options.stopGraceMs ?? 5000, { allowZero: true });
  const heartbeatTimeoutMs = checkHeartbeatTimeout('heartbeatTimeoutMs', options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS);
  const maxRestarts = options.maxRestarts ?? 0;
  if (!Number.isSafeInteger(maxRestarts) || maxRestarts < 0) throw new InvalidArgumentError('maxRestarts', maxRestarts, 'a non-negative integer');
  const inherited = options.inheritEnv === false ? {} : process.env;
  const givenToken = options.jobToken ?? options.env?.[JOB_TOKEN_ENV] ?? inherited[JOB_TOKEN_ENV];
  // A throwing event handler (a bug, or output it did not expect) must not crash past the cleanup below: the
  // workers are stopped like on an abort, netem is deleted, and then the handler's error is thrown.
  let handlerError: { error: unknown } | undefined;
  const handlerFailed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, handlerFailed.signal]) : handlerFailed.signal;
  const emit = (event: LaunchEvent): void => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      handlerError ??= { error };
      handlerFailed.abort('the onEvent handler threw');
    }
  };

  const heartbeat = heartbeatTimeoutMs > 0 ? { [HEARTBEAT_INTERVAL_ENV]: String(heartbeatIntervalMs(heartbeatTimeoutMs)) } : {};
  if (options.elastic) {
    for (const field of ['nnodes', 'nodeRank', 'masterAddr', 'masterPort', 'netem'] as const) {
      if (options[field] !== undefined) throw new InvalidArgumentError(field, options[field], 'nothing with elastic membership: the rendezvous places the nodes (and netem is single-node)');
    }
    const result = await launchElastic({
      options: { ...options, elastic: options.elastic }, jobToken: jobTokenForLaunch(givenToken, options.elastic.maxNodes), env: { ...inherited, ...options.env, ...heartbeat },
      emit, signal, stopGraceMs, heartbeatTimeoutMs, maxRestarts, startedAt,
    });
    if (handlerError) throw handlerError.error;
    return result;
  }

  let rateBitsPerSec: number | undefined;
  if (options.netem) {
    rateBitsPerSec = parseRate(options.netem.rate, 'netem.rate');
    if (plan.nnodes > 1) throw new InvalidArgumentError('netem', options.netem.rate, 'a single-node job (nnodes = 1): emulated networks live on one machine');
    if (options.masterAddr !== undefined) throw new InvalidArgumentError('masterAddr', options.masterAddr, 'no address with netem: rank 0 is reached at its namespace address');
  }
  if (plan.nnodes > 1 && (options.masterAddr === undefined || options.masterPort === undefined)) {
    throw new InvalidArgumentError(options.masterAddr === undefined ? 'masterAddr' : 'masterPort', undefined, `an explicit value for a ${plan.nnodes}-node job (the address and port of node 0, the same on every node)`);
  }
  if (options.masterPort !== undefined) checkPort('masterPort', options.masterPort);
  const jobToken = jobTokenForLaunch(givenToken, plan.nnodes);

  let topology: NetemTopology | undefined;
  try {
    let linkGbit: number | undefined;
    if (rateBitsPerSec !== undefined && options.netem) {
      await checkNetemSupport();
      await sweepStaleNamespaces();
      topology = await createTopology({ worldSize: plan.worldSize, rateBitsPerSec });
      if (options.netem.measureLink && plan.worldSize >= 2 && !signal.aborted) {
        linkGbit = (await measureLinkThroughput(topology, { durationMs: options.netem.measureLinkMs ?? 2000 })).gbit;
      }
      emit({ type: 'netem-ready', jobId: topology.jobId, namespaces: [topology.switchNamespace, ...topology.rankNamespaces], addresses: topology.addresses, rateBitsPerSec, linkGbit });
    }
    const masterAddr = topology ? topology.addresses[0] : options.masterAddr ?? '127.0.0.1';
    const masterPort = options.masterPort ?? (topology ? NETEM_MASTER_PORT : await findFreePort(masterAddr));
    const base = { worldSize: plan.worldSize, masterAddr, masterPort, linkGbit };
    if (signal.aborted) {
      if (handlerError) throw handlerError.error;
      return { ...base, ok: false, failure: { kind: 'interrupted', reason: abortReason(signal) }, exits: [], restarts: [], elapsedMs: performance.now() - startedAt };
    }
    const env = { ...inherited, ...options.env };
    const restarts: { generation: number; failure: LaunchFailure }[] = [];
    for (let generation = 0; ; generation++) {
      const restart = { [RESTART_COUNT_ENV]: String(generation), [RESTART_CAUSE_ENV]: generation === 0 ? '' : describeFailure(restarts.at(-1)!.failure) };
      const outcome = await runWorkers(plan, { ...options, signal, stopGraceMs, heartbeatTimeoutMs }, emit, (localRank) => ({
        env: { ...env, ...workerEnv({ plan, localRank, masterAddr, masterPort, jobToken }), ...heartbeat, ...restart },
        netns: topology?.rankNamespaces[plan.ranks[localRank]],
      }));
      if (handlerError) throw handlerError.error;
      const failure = outcome.failure;
      if (!failure || failure.kind === 'interrupted' || generation >= maxRestarts || signal.aborted) {
        return { ...base, ...outcome, restarts, elapsedMs: performance.now() - startedAt };
      }
      restarts.push({ generation: generation + 1, failure });
      emit({ type: 'restarting', generation: generation + 1, restart: generation + 1, failure, maxRestarts });
    }
  } finally {
    if (topology) emit({ type: 'netem-removed', leftover: await destroyTopology(topology) });
  }
}
