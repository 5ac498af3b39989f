// The lines an elastic launch prints for its rounds and membership changes (run and train alike).

import type { LaunchEvent } from '../launch/events.js';

export type ElasticLaunchEvent = Extract<LaunchEvent, { type: 'rendezvous-open' | 'rendezvous-warning' | 'round' | 'membership-change' }>;

/**
 * "node n1 joins the builtin rendezvous at h:29400 and serves it (…)" /
 * "generation 2: node 0 of 4, world size 4 (node c waiting to join at generation 1; 3 → 4 nodes)" /
 * "membership changed during generation 1: node b … lost; stopping this node's workers to meet again (no restart used)".
 */
export function describeElasticEvent(event: ElasticLaunchEvent): string {
  if (event.type === 'rendezvous-warning') return `warning: ${event.message}`;
  if (event.type === 'rendezvous-open') {
    return `node ${event.nodeId} joins the ${event.backend} rendezvous at ${event.endpoint}`
      + `${event.hostsState ? ' and serves it (if this node is lost, so is the job)' : ''}`;
  }
  if (event.type === 'round') {
    return `generation ${event.generation}: node ${event.nodeRank} of ${event.nnodes}, world size ${event.worldSize} (${event.cause})`;
  }
  return `membership changed during generation ${event.generation}: ${event.description}; stopping this node's workers to meet again (no restart used)`;
}
