// Bytes a process group moved, summed over every kind of collective, for per-step accounting.

import type { CollectiveName, ProcessGroup } from '../comm/process-group.js';

const COLLECTIVES: readonly CollectiveName[] = ['allreduce', 'reduceScatter', 'allgather', 'alltoall', 'alltoallv', 'allgatherv', 'broadcast', 'barrier'];

export interface TrafficSnapshot { bytesSent: number; bytesReceived: number }

/** Totals since the group was created (frame headers included). */
export function trafficOf(group: ProcessGroup): TrafficSnapshot {
  let bytesSent = 0;
  let bytesReceived = 0;
  for (const op of COLLECTIVES) {
    const t = group.opTotals(op);
    bytesSent += t.bytesSent;
    bytesReceived += t.bytesReceived;
  }
  return { bytesSent, bytesReceived };
}

export function trafficSince(group: ProcessGroup, before: TrafficSnapshot): TrafficSnapshot {
  const now = trafficOf(group);
  return { bytesSent: now.bytesSent - before.bytesSent, bytesReceived: now.bytesReceived - before.bytesReceived };
}
