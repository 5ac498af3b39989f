// Which collectives this process is inside right now, readable by anything in the process (the heartbeat preload).

/** One collective call that has started and not yet settled. */
export interface CollectiveActivity {
  /** The rank of the group running it. */
  rank: number;
  op: string;
  seq: number;
  /** Milliseconds since the call started running. */
  elapsedMs: number;
  /** Peers the call still waits on (a receive not yet satisfied or a send not yet drained). */
  waitingFor: number[];
}

/** A call that has waited longer than the stall warning: where it is stuck, reported once per call. */
export interface StallReport extends CollectiveActivity {
  /** The call's time limit; it fails with a timeout when elapsedMs reaches it. */
  timeoutMs: number;
}

/** "rank 1: allreduce #57 has waited 30.0 s for rank 2 (it fails at its 120 s time limit)". */
export function describeStall(r: StallReport): string {
  const peers = r.waitingFor.length === 0 ? 'no peer' : `rank${r.waitingFor.length > 1 ? 's' : ''} ${r.waitingFor.join(', ')}`;
  return `rank ${r.rank}: ${r.op} #${r.seq} has waited ${(r.elapsedMs / 1000).toFixed(1)} s for ${peers} (it fails at its ${(r.timeoutMs / 1000).toFixed(0)} s time limit)`;
}

type Probe = () => CollectiveActivity | undefined;

/**
 * The registry lives on globalThis under a registered symbol, not in this module: a worker may load lion-cub
 * twice (from source under tsx and from dist/, or through two package paths), and the heartbeat preload reads
 * it without importing anything. Every copy therefore shares one set of probes.
 */
export const ACTIVITY_REGISTRY_KEY = 'lion-cub.collective-activity';

function registry(): Set<Probe> {
  const g = globalThis as unknown as Record<symbol, Set<Probe> | undefined>;
  const key = Symbol.for(ACTIVITY_REGISTRY_KEY);
  return (g[key] ??= new Set<Probe>());
}

/** Adds a probe of one group's running call; returns the function that removes it (call it when the group closes). */
export function registerActivityProbe(probe: Probe): () => void {
  const probes = registry();
  probes.add(probe);
  return () => { probes.delete(probe); };
}

/** The collectives running in this process now, one per group that is inside a call. */
export function currentCollectives(): CollectiveActivity[] {
  const out: CollectiveActivity[] = [];
  for (const probe of registry()) {
    const a = probe();
    if (a) out.push(a);
  }
  return out;
}
