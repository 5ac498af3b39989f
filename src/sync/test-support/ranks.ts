// Runs one function per rank over in-process memory transports, for strategy tests.

import { ProcessGroup, type ProcessGroupOptions } from '../../comm/process-group.js';
import { createMemoryTransports } from '../../comm/transport/memory-transport.js';

/** Creates N process groups over memory transports, runs `body` on each concurrently, closes them, returns the results by rank. */
export async function withRanks<T>(worldSize: number, body: (group: ProcessGroup) => Promise<T>, options: ProcessGroupOptions = {}): Promise<T[]> {
  const groups = createMemoryTransports(worldSize).map((t) => new ProcessGroup(t, { timeoutMs: 20_000, ...options }));
  try {
    return await Promise.all(groups.map((g) => body(g)));
  } finally {
    await Promise.all(groups.map((g) => g.close()));
  }
}
