// The calibrated constants of the cost model (α, o, h, η, φ and the kernels' γ) and how a link picks its α.

import type { KernelCosts } from './kernels.js';

/** Identifies the constants file format; bumped when a field changes meaning. */
export const CONSTANTS_SCHEMA = 'lion-cub/cost-constants@1';

/** Network and transport constants (docs/algorithms.md, "Cost model"). */
export interface NetworkConstants {
  /** α: one sequential hop of a small message through the process group on unshaped loopback, µs. */
  alphaUs: number;
  /**
   * δ: extra latency of each round of a variable-size collective (alltoallv, allgatherv), µs. Their rounds wait
   * for a length frame before the data, one more wake-up on the critical path than a plain collective's round.
   */
  variableRoundUs: number;
  /** o: host time per message sent or received, beyond its bytes (framing, one socket write or read event), µs. */
  messageUs: number;
  /** h: host time per byte sent or received by the transport (copies, syscalls), ns. Measured on loopback. */
  hostNsPerByte: number;
  /** η: fraction of a link's nominal rate that TCP delivers as payload (1448/1514 ≈ 0.956 with 1500-byte frames). */
  wireEfficiency: number;
  /**
   * φ ∈ [0, 1]: how much of the shorter of wire time and host time is not hidden behind the longer one inside a
   * collective. 0: the CPU works entirely while the NIC sends; 1: they take turns.
   */
  overlapPenalty: number;
  /**
   * How α grows when ranks share cores: α·(1 + s_α·(κ − 1)). A message to a rank that is waiting for a core
   * waits too. Measured from the small allreduce at 2·cores ranks; 1 (α scales with κ) when not measured.
   */
  alphaContentionSlope: number;
  /**
   * How the transport's host time (o and h) grows when ranks share cores: ·(1 + s_h·(κ − 1)). Below 1 when a
   * rank's transport time is partly waiting (on the socket, the peer), which other ranks' work fills. Measured
   * from a large allgather at 2·cores ranks; 1 when not measured. Kernels are pure CPU: they always scale by κ.
   */
  transportContentionSlope: number;
}

/** What calibration measured through one link setting. */
export interface LinkCalibration {
  /** The tc rate, e.g. "1gbit"; null for unshaped loopback. */
  rate: string | null;
  /** Nominal rate in Gbit/s; null for unshaped loopback. */
  rateGbit: number | null;
  /** Single-stream TCP throughput the launcher measured through the emulated link, Gbit/s; null unshaped. */
  streamGbit: number | null;
  /** α through this link, µs. */
  alphaUs: number;
  /** The large float32 allreduce timed through this link: S bytes, median ms, busbw in Gbit/s. */
  allreduceBytes: number;
  allreduceMs: number;
  busbwGbit: number;
}

export interface MachineDescription {
  cpus: number;
  cpuModel: string;
  node: string;
}

export interface CostConstants {
  schema: typeof CONSTANTS_SCHEMA;
  /** 'calibrated' by `lion-cub calibrate`; 'builtin' for the defaults shipped with the code (not your machine). */
  origin: 'calibrated' | 'builtin';
  /** ISO time of the calibration. */
  createdAt: string;
  machine: MachineDescription;
  /** Cores the calibration's ranks shared: ranks beyond this count share CPU (see HostLoad). */
  cores: number;
  network: NetworkConstants;
  /** γ per kernel, ns per unit (KERNEL_UNITS). */
  kernels: KernelCosts;
  /** Values per kernel call when the kernels were timed. */
  kernelValues: number;
  /**
   * Which statistic of the repeated timings the constants come from: 'median' (typical, includes the machine's
   * usual interference) or 'min' (the least disturbed repeat, for a machine shared with other work).
   */
  statistic: 'median' | 'min';
  links: LinkCalibration[];
  /** The raw timings the constants were fitted from (for the record; not read by the model). */
  measurements?: unknown;
}

/**
 * α for a link: the α measured through that very rate when calibration covered it; for other rates, the
 * median α of the shaped links calibrated (a rate changes the per-byte time, not the software's per-hop
 * latency); the loopback α when no shaped link was calibrated or the link is unshaped (null).
 */
export function alphaUsFor(constants: CostConstants, linkGbit: number | null): number {
  if (linkGbit === null) return constants.network.alphaUs;
  const exact = constants.links.find((l) => l.rateGbit !== null && Math.abs(l.rateGbit - linkGbit) <= 1e-9 * linkGbit);
  if (exact) return exact.alphaUs;
  const shaped = constants.links.filter((l) => l.rateGbit !== null).map((l) => l.alphaUs).sort((a, b) => a - b);
  if (shaped.length === 0) return constants.network.alphaUs;
  const mid = shaped.length >> 1;
  return shaped.length % 2 ? shaped[mid] : (shaped[mid - 1] + shaped[mid]) / 2;
}
