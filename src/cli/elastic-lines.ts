// The lines an elastic launch prints for its rounds and membership changes (run and train alike).

import type { LaunchEvent } from '../launch/events.js';

/**
 * "generation 2: node 0 of 4, world size 4 (node c waiting to join at generation 1; 3 → 4 nodes)" /
 * "membership changed during generation 1: node b … lost; stopping this node's workers to meet again (no restart used)".
 */
export function describeElasticEvent(event: Extract<LaunchEvent, { type: 'round' | 'membership-change' }>): string {
  if (event.type === 'round') {
    return `generation ${event.generation}: node ${event.nodeRank} of ${event.nnodes}, world size ${event.worldSize} (${event.cause})`;
  }
  return `membership changed during generation ${event.generation}: ${event.description}; stopping this node's workers to meet again (no restart used)`;
}
