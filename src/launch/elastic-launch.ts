// One node of an elastic launch (torchrun's --nnodes MIN:MAX): meet the other nodes in a rendezvous round, run this
// node's workers as that round's generation, and meet again when a worker fails, a node is lost or a node waits.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError, LionCubError, checkTimeoutMs } from '../errors.js';
import { checkBackendConf, openRendezvousBackend, rendezvousEndpointHost } from '../comm/rendezvous/elastic/backends.js';
import { DEFAULT_ELASTIC_TIMING, ElasticRendezvous, TIMING_CONF_KEYS, type ClosedRound, type ElasticTiming, type MembershipChange } from '../comm/rendezvous/elastic/handler.js';
import type { RoundCause } from '../comm/rendezvous/elastic/round-state.js';
import { rendezvousSealKey } from '../comm/rendezvous/elastic/sealed-state.js';
import { RESTART_CAUSE_ENV, RESTART_COUNT_ENV } from '../comm/rendezvous/launch-env.js';
import { describeFailure, type ElasticRoundRecord, type LaunchEvent, type LaunchFailure, type LaunchResult } from './events.js';
import { findFreePort } from './free-port.js';
import { planLaunch, workerEnv } from './launch-plan.js';
import type { LaunchOptions } from './launch.js';
import { awaitCause, MembershipWatch, type WatchResult } from './membership-watch.js';
import { routeAddressTo } from './route-address.js';
import { abortReason, runWorkers } from './run-workers.js';

/** Dynamic membership: the job runs on MIN to MAX nodes that meet through a rendezvous backend. */
export interface ElasticOptions {
  minNodes: number;
  maxNodes: number;
  /** Backend name (--rdzv-backend): 'builtin' (the launcher that can bind the endpoint serves the state). */
  backend: string;
  /** host:port of the backend (--rdzv-endpoint). */
  endpoint: string;
  /** Names the job at the backend (--rdzv-id); every node of the job gives the same. */
  rdzvId: string;
  timing?: Partial<ElasticTiming>;
  /** The backend's settings (--rdzv-conf keys other than the time limits), e.g. etcd's ca_cert. */
  conf?: Record<string, string>;
  /** Address the other nodes reach this node's workers at. Default: this machine's address on the route to the endpoint. */
  localAddr?: string;
  /** Unique id of this node in the job. Default: hostname-pid-random. */
  nodeId?: string;
}

/** Throws InvalidArgumentError naming the option for bad bounds, ids, backend names, endpoints or times. */
export function checkElasticOptions(e: ElasticOptions): ElasticTiming {
  if (!Number.isInteger(e.minNodes) || e.minNodes < 1) throw new InvalidArgumentError('--nnodes', e.minNodes, 'MIN:MAX with 1 ≤ MIN ≤ MAX');
  if (!Number.isInteger(e.maxNodes) || e.maxNodes < e.minNodes) throw new InvalidArgumentError('--nnodes', `${e.minNodes}:${e.maxNodes}`, 'MIN:MAX with 1 ≤ MIN ≤ MAX');
  if (typeof e.rdzvId !== 'string' || !/^[\w.-]{1,128}$/.test(e.rdzvId)) throw new InvalidArgumentError('--rdzv-id', e.rdzvId, 'a job name of 1 to 128 letters, digits, dots, dashes or underscores, the same on every node');
  rendezvousEndpointHost(e.backend, e.endpoint);
  checkBackendConf(e.backend, e.conf ?? {}, TIMING_CONF_KEYS);
  const timing = { ...DEFAULT_ELASTIC_TIMING, ...e.timing };
  for (const [field, value] of Object.entries(timing)) checkTimeoutMs(field, value);
  if (timing.keepAliveTimeoutMs <= timing.keepAliveIntervalMs) {
    throw new InvalidArgumentError('keepAliveTimeoutMs', timing.keepAliveTimeoutMs, `more than the keep-alive interval (${timing.keepAliveIntervalMs} ms)`);
  }
  return timing;
}

/** What launch() hands over once the options common to every launch are checked. */
export interface ElasticContext {
  options: LaunchOptions & { elastic: ElasticOptions };
  jobToken: string;
  /** Inherited and extra variables plus the heartbeat interval, without the per-round ones. */
  env: NodeJS.ProcessEnv;
  emit: (event: LaunchEvent) => void;
  signal: AbortSignal;
  stopGraceMs: number;
  heartbeatTimeoutMs: number;
  maxRestarts: number;
  startedAt: number;
}

/**
 * Runs rounds until this node's workers succeed, the caller aborts, the failures of this node use up `maxRestarts`
 * (the job is then closed for every node), or no round can form. Membership changes (a node lost, a node waiting,
 * a round opened by another node) use no restart: as in torchelastic, only this node's own failures count.
 */
export async function launchElastic(ctx: ElasticContext): Promise<LaunchResult> {
  const { options, emit, signal } = ctx;
  const e = options.elastic;
  const timing = checkElasticOptions(e);
  const backend = await openRendezvousBackend(e.backend, { endpoint: e.endpoint, rdzvId: e.rdzvId, jobToken: ctx.jobToken, connectTimeoutMs: timing.joinTimeoutMs, conf: e.conf });
  const nodeId = e.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  emit({ type: 'rendezvous-open', backend: backend.name, endpoint: e.endpoint, nodeId, hostsState: backend.hostsState === true });
  const rdzv = new ElasticRendezvous({
    backend, nodeId, min: e.minNodes, max: e.maxNodes, rdzvId: e.rdzvId, sealKey: rendezvousSealKey(ctx.jobToken, e.rdzvId), timing,
    onWarning: (message) => emit({ type: 'rendezvous-warning', message }),
  });
  // Reads (cheap) at least every second so a waiting node is seen soon; the keep-alive is written only when due.
  const readEveryMs = Math.min(1000, timing.keepAliveIntervalMs);
  const restarts: LaunchResult['restarts'] = [];
  const rounds: ElasticRoundRecord[] = [];
  let last = { worldSize: 0, masterAddr: '', masterPort: 0 };
  const result = (outcome: Pick<LaunchResult, 'ok' | 'failure' | 'exits'>): LaunchResult =>
    ({ ...last, ...outcome, restarts, rounds, elapsedMs: performance.now() - ctx.startedAt });
  try {
    const addr = e.localAddr ?? await routeAddressTo(rendezvousEndpointHost(e.backend, e.endpoint));
    let after: number | undefined;
    let cause: RoundCause = { kind: 'start', node: nodeId, text: 'job start' };
    for (;;) {
      let round: ClosedRound;
      try {
        round = await rdzv.join(after, cause, { addr, storePort: await findFreePort(addr) }, signal);
      } catch (error) {
        if (signal.aborted) return result({ ok: false, failure: { kind: 'interrupted', reason: abortReason(signal) }, exits: [] });
        if (error instanceof LionCubError) return result({ ok: false, failure: { kind: 'rendezvous', reason: error.message }, exits: [] });
        throw error;
      }
      const plan = planLaunch({ nproc: options.nproc, nnodes: round.nodes.length, nodeRank: round.nodeRank });
      const master = round.addresses[0];
      last = { worldSize: plan.worldSize, masterAddr: master.addr, masterPort: master.storePort };
      const record: ElasticRoundRecord = { generation: round.round, nodeRank: round.nodeRank, nnodes: round.nodes.length, worldSize: plan.worldSize, cause: round.cause.text };
      rounds.push(record);
      emit({ type: 'round', ...record });

      const stop = new AbortController();
      const watch = new MembershipWatch(rdzv, round, readEveryMs, (c) => c.kind === 'closed' && c.ok);
      // Said when seen, before this node's workers are stopped for it; `announced` is the cause of the next round.
      let announced: RoundCause | undefined;
      const announce = (seen: WatchResult | undefined): void => {
        if (!seen || !('change' in seen) || seen.change.kind === 'closed' || announced) return;
        const change = seen.change;
        announced = causeOf(change, rdzv, round, nodeId);
        emit({ type: 'membership-change', generation: round.round, description: change.kind === 'next-round' ? `another node opened generation ${change.round}: ${change.cause.text}` : announced.text });
      };
      void watch.result.then((seen) => {
        announce(seen);
        if (seen) stop.abort('the membership changed');
      });
      const generationEnv = {
        [RESTART_COUNT_ENV]: String(round.round),
        [RESTART_CAUSE_ENV]: round.round === 0 ? '' : round.cause.text,
        TORCHELASTIC_RUN_ID: e.rdzvId,
      };
      const outcome = await runWorkers(plan, { ...options, signal: AbortSignal.any([signal, stop.signal]), stopGraceMs: ctx.stopGraceMs, heartbeatTimeoutMs: ctx.heartbeatTimeoutMs }, emit, (localRank) => ({
        env: { ...ctx.env, ...workerEnv({ plan, localRank, masterAddr: master.addr, masterPort: master.storePort, jobToken: ctx.jobToken }), ...generationEnv },
      }));
      let seen = await watch.stop();
      if (signal.aborted) return result({ ...outcome, ok: false, failure: { kind: 'interrupted', reason: abortReason(signal) } });
      if (outcome.ok) {
        // The workers succeeded whatever the rendezvous says now; the host of the state stays until the others are done with it.
        await rdzv.finish(round).then(() => (backend.hostsState ? rdzv.awaitOthersFinished(round, timing.keepAliveTimeoutMs * 2) : undefined)).catch(() => {});
        return result(outcome);
      }
      // A failure here right after a node was lost (its peers' connections broke) or another node's failure is not
      // this node's: wait up to one keep-alive timeout for the rendezvous to show a cause elsewhere before counting
      // it, or less once this node is confirmed as the origin (it reported first and no node is lost).
      if (!seen && outcome.failure) announce(seen = await awaitCause(rdzv, round, readEveryMs, timing.keepAliveTimeoutMs + 2 * timing.keepAliveIntervalMs));
      if (seen && 'error' in seen) {
        const hint = backend.name === 'builtin' && !backend.hostsState ? ' (the node serving the builtin rendezvous is gone or unreachable, which ends the job; --rdzv-backend etcd survives the loss of any node)' : '';
        return result({ ...outcome, ok: false, failure: { kind: 'rendezvous', reason: `the ${backend.name} rendezvous failed: ${(seen.error as Error).message}${hint}` } });
      }
      if (seen) {
        if (seen.change.kind === 'closed') return result({ ...outcome, ok: false, failure: { kind: 'rendezvous', reason: `job "${e.rdzvId}" was closed: ${seen.change.reason}` } });
        cause = announced!;
      } else {
        const failure = outcome.failure as LaunchFailure;
        if (restarts.length >= ctx.maxRestarts) {
          const reason = `node ${nodeId} failed at generation ${round.round} after ${restarts.length} of at most ${ctx.maxRestarts} restarts: ${describeFailure(failure)}`;
          await rdzv.closeJob(reason).catch(() => {});
          return result({ ...outcome, ok: false, failure });
        }
        restarts.push({ generation: round.round + 1, failure });
        emit({ type: 'restarting', generation: round.round + 1, restart: restarts.length, failure, maxRestarts: ctx.maxRestarts });
        cause = { kind: 'failure', node: nodeId, text: `on node ${nodeId}: ${describeFailure(failure)}` };
      }
      after = round.round;
    }
  } finally {
    await backend.close();
  }
}

/** The cause this node records if it opens the next round. */
function causeOf(change: MembershipChange, rdzv: ElasticRendezvous, round: ClosedRound, me: string): RoundCause {
  const n = round.nodes.length;
  if (change.kind === 'node-lost') {
    return { kind: 'node-lost', node: me, text: `node ${change.nodes.map((x) => rdzv.describeNode(x)).join(', ')} lost at generation ${round.round}; ${n} → ${n - change.nodes.length} nodes` };
  }
  if (change.kind === 'node-waiting') return { kind: 'node-joined', node: me, text: `node ${change.nodes.join(', ')} waiting to join at generation ${round.round}; ${n} → ${n + change.nodes.length} nodes` };
  if (change.kind === 'next-round') return change.cause;
  return { kind: 'failure', node: me, text: change.reason };
}

