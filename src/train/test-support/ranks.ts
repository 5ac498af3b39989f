// Test support for src/train: tiny configurations and several ranks in one process over memory transports.

import { ProcessGroup } from '../../comm/process-group.js';
import { createMemoryTransports } from '../../comm/transport/memory-transport.js';
import { resolveTrainConfig, type TrainConfig } from '../config.js';

/** A synthetic workload small enough for a step in milliseconds: ≈ 1,000 parameters, 256 examples. */
export function tinyConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return resolveTrainConfig({
    workload: 'synthetic',
    workloadOptions: { numParams: 1000, inputSize: 12, numClasses: 4, numExamples: 256 },
    sync: 'lion',
    steps: 6,
    batchSize: 16,
    lr: 1e-2,
    evalEvery: 0,
    evalBatchSize: 64,
    timeoutMs: 20_000,
    ...overrides,
  });
}

/** `worldSize` process groups over in-memory transports. */
export function memoryGroups(worldSize: number): ProcessGroup[] {
  return createMemoryTransports(worldSize).map((t) => new ProcessGroup(t, { timeoutMs: 20_000 }));
}

/**
 * Runs `body` for every rank of a fresh in-memory group concurrently and closes the groups afterwards.
 * If one rank fails, the groups are closed so that the others fail instead of waiting for it.
 */
export async function withRanks<T>(worldSize: number, body: (group: ProcessGroup) => Promise<T>): Promise<T[]> {
  const groups = memoryGroups(worldSize);
  try {
    return await Promise.all(groups.map(async (g) => {
      try {
        return await body(g);
      } catch (error) {
        await Promise.all(groups.map((x) => x.close()));
        throw error;
      }
    }));
  } finally {
    await Promise.all(groups.map((g) => g.close()));
  }
}
