// Turns the calibration's raw timings into the network constants (α, o, h, η, φ) by inverting the cost model.

import { InvalidArgumentError } from '../errors.js';
import type { LinkCalibration, NetworkConstants } from './constants.js';
import type { KernelCosts } from './kernels.js';
import { commPhaseCost, type CostContext } from './phase-cost.js';
import { allgatherPhase, allreducePhase } from './plain-phases.js';
import { allgathervPhase } from './compressed-phases.js';
import type { CommPhase } from './phases.js';
import { CONSTANTS_SCHEMA, type CostConstants } from './constants.js';
import { median } from '../stats.js';

/** One timed call: S bytes, the median over iterations of the slowest rank's time, and the fastest iteration. */
export interface TimedCall {
  bytes: number;
  medianMs: number;
  minMs: number;
}

/** What one launch of two ranks measured (src/bench/calibrate/comm-worker.ts). */
export interface LaunchMeasurement {
  worldSize: number;
  chunkBytes: number;
  /** allreduce of one float32: recursive doubling, one exchange at N = 2. */
  latency: TimedCall;
  /** float32 allgathers (no arithmetic: transport cost only). */
  allgather: TimedCall[];
  /** A large float32 allreduce (ring). */
  allreduce: TimedCall | null;
  /** One round of a plain and of a variable-size collective: allgather of one float32, allgatherv of 4-byte blocks. */
  rounds: { plain: TimedCall; variable: TimedCall } | null;
}

/** A launch through an emulated link of nominal `rateGbit`. */
export interface ShapedLaunch {
  rate: string;
  rateGbit: number;
  /** Single-stream TCP throughput measured through the link, Gbit/s, if measured. */
  streamGbit: number | null;
  measurement: LaunchMeasurement;
}

/** A loopback launch with more ranks than cores, for the contention slopes. */
export interface ContendedLaunch {
  cores: number;
  measurement: LaunchMeasurement;
}

/** TCP payload per 1514-byte Ethernet frame: η when no link was measured. */
export const DEFAULT_WIRE_EFFICIENCY = 1448 / 1514;
/**
 * φ when no shaped link was calibrated: half the shorter of wire and host time shows. An assumption, not a
 * measurement; `lion-cub calibrate --netem RATE` replaces it.
 */
export const DEFAULT_OVERLAP_PENALTY = 0.5;

const FIT_ROUNDS = 10;

function ctxFor(network: NetworkConstants, kernels: KernelCosts, links: LinkCalibration[], linkGbit: number | null): CostContext {
  const constants: CostConstants = {
    schema: CONSTANTS_SCHEMA, origin: 'calibrated', createdAt: '', machine: { cpus: 1, cpuModel: '', node: '' }, cores: 1,
    network, kernels, kernelValues: 1, statistic: 'median', links,
  };
  return { constants, linkGbit, kappa: 1 };
}

/** Host time of a phase per the model, with o and h given (the bytes and messages part, kernels included). */
function hostMs(phase: CommPhase, network: NetworkConstants, kernels: KernelCosts): number {
  return commPhaseCost(phase, ctxFor({ ...network, alphaUs: 0 }, kernels, [], null)).hostMs;
}

/**
 * Least squares for (o, h) ≥ 0 in T_i − rounds_i·α = messages_i·o + hostBytes_i·h. Calls with different chunk
 * sizes separate the per-message from the per-byte cost (same bytes, many more messages).
 */
function fitHost(calls: { phase: CommPhase; ms: number }[], alphaUs: number): { messageUs: number; hostNsPerByte: number } {
  let smm = 0, smb = 0, sbb = 0, smy = 0, sby = 0;
  for (const { phase, ms } of calls) {
    const y = ms * 1e3 - phase.rounds * alphaUs; // µs
    const m = phase.messages;
    const b = phase.hostBytes / 1e3; // so h comes out in ns per byte
    smm += m * m; smb += m * b; sbb += b * b; smy += m * y; sby += b * y;
  }
  const det = smm * sbb - smb * smb;
  let o = det > 0 ? (smy * sbb - sby * smb) / det : 0;
  let h = det > 0 ? (sby * smm - smy * smb) / det : sby / sbb;
  if (o < 0) { o = 0; h = sby / sbb; }
  if (h < 0) { h = 0; o = smy / smm; }
  return { messageUs: Math.max(0, o), hostNsPerByte: Math.max(0, h) };
}

/** Slopes when no launch with more ranks than cores was measured: everything scales with κ (the cautious choice). */
export const DEFAULT_CONTENTION_SLOPE = 1;

export interface NetworkFit {
  network: NetworkConstants;
  links: LinkCalibration[];
  /** φ per shaped link before taking the median (NaN when the wire and host times could not separate it). */
  overlapPerLink: number[];
}

/**
 * Inverts the model on the calibration's measurements (all at N = 2, κ = 1):
 * 1. o and h: least squares over the loopback allgathers, at the default and at a small chunk size, with α
 *    from step 2 (iterated: α and the host costs depend on each other only through the small terms);
 * 2. α (loopback): the one-float allreduce minus its modelled host time; δ: a one-round allgatherv of 4-byte
 *    blocks minus a one-round allgather of one float, each less its modelled host time;
 * 3. per shaped link: η = single-stream rate / nominal rate (1448/1514 if not measured); α through the link
 *    likewise; φ from the large allreduce: (T − its cost at φ = 0) / ((1 − 1/m)·min(W, H)), clamped to [0, 1];
 * 4. η and φ of the constants: medians over the shaped links (the defaults above when there are none);
 * 5. with a `contended` launch (more ranks than cores on loopback): the contention slopes (fitContention).
 * `kernels` must hold the measured reduction γ (the allreduce's host time includes them). `statistic` picks
 * each call's median or fastest iteration (the same statistic as the kernels').
 * Throws InvalidArgumentError when a launch lacks the calls the fit needs.
 */
export function fitNetwork(
  kernels: KernelCosts, loopback: LaunchMeasurement, smallChunks: LaunchMeasurement, shaped: readonly ShapedLaunch[], statistic: 'median' | 'min' = 'median',
  contended?: ContendedLaunch,
): NetworkFit {
  const ms = (c: TimedCall): number => (statistic === 'min' ? c.minMs : c.medianMs);
  for (const [name, m] of [['loopback', loopback], ['smallChunks', smallChunks]] as const) {
    if (m.worldSize !== 2) throw new InvalidArgumentError(`${name}.worldSize`, m.worldSize, '2 (the fit assumes two ranks)');
    if (m.allgather.length === 0) throw new InvalidArgumentError(`${name}.allgather`, m.allgather, 'at least one timed allgather');
  }
  const calls = [loopback, smallChunks].flatMap((m) => m.allgather.map((c) => ({
    phase: allgatherPhase(c.bytes / 4, 'float32', 2, { chunkBytes: m.chunkBytes }),
    ms: ms(c),
  })));
  const latencyPhase = allreducePhase(1, 'float32', 2, { chunkBytes: loopback.chunkBytes });
  let network: NetworkConstants = {
    alphaUs: ms(loopback.latency) * 1e3, variableRoundUs: 0, messageUs: 0, hostNsPerByte: 0,
    wireEfficiency: DEFAULT_WIRE_EFFICIENCY, overlapPenalty: DEFAULT_OVERLAP_PENALTY,
    alphaContentionSlope: DEFAULT_CONTENTION_SLOPE, transportContentionSlope: DEFAULT_CONTENTION_SLOPE,
  };
  for (let round = 0; round < FIT_ROUNDS; round++) {
    network = { ...network, ...fitHost(calls, network.alphaUs) };
    network.alphaUs = Math.max(0, ms(loopback.latency) - hostMs(latencyPhase, network, kernels)) * 1e3;
  }
  if (loopback.rounds) {
    // One round each at N = 2: the difference beyond the modelled host time is δ.
    const { plain, variable } = loopback.rounds;
    const plainHost = hostMs(allgatherPhase(2, 'float32', 2, { chunkBytes: loopback.chunkBytes }), network, kernels);
    const variableHost = hostMs(allgathervPhase(2, 1, () => 4, { chunkBytes: loopback.chunkBytes }), network, kernels);
    network.variableRoundUs = Math.max(0, (ms(variable) - variableHost) - (ms(plain) - plainHost)) * 1e3;
  }
  if (contended) network = { ...network, ...fitContention(network, kernels, contended, ms) };
  const links: LinkCalibration[] = [linkEntry(null, null, null, network.alphaUs, loopback, ms)];
  const efficiencies = shaped.filter((s) => s.streamGbit !== null).map((s) => Math.min(1, (s.streamGbit as number) / s.rateGbit));
  const wireEfficiency = efficiencies.length ? median(efficiencies) : DEFAULT_WIRE_EFFICIENCY;
  // α through a link and φ depend on each other only through the latency call's tiny wire term: iterate.
  let overlapPenalty = DEFAULT_OVERLAP_PENALTY;
  let overlapPerLink: number[] = [];
  let shapedLinks: LinkCalibration[] = [];
  for (let round = 0; round < FIT_ROUNDS; round++) {
    overlapPerLink = [];
    shapedLinks = [];
    for (const s of shaped) {
      const net = { ...network, wireEfficiency, overlapPenalty };
      const latency = commPhaseCost(latencyPhase, ctxFor({ ...net, alphaUs: 0 }, kernels, [], s.rateGbit));
      const alphaUs = Math.max(0, ms(s.measurement.latency) - latency.ms) * 1e3;
      shapedLinks.push(linkEntry(s.rate, s.rateGbit, s.streamGbit, alphaUs, s.measurement, ms));
      const big = s.measurement.allreduce;
      if (!big) continue;
      const bigPhase = allreducePhase(big.bytes / 4, 'float32', 2, { chunkBytes: s.measurement.chunkBytes });
      const cost = commPhaseCost(bigPhase, ctxFor({ ...net, alphaUs, overlapPenalty: 0 }, kernels, [], s.rateGbit));
      // What φ multiplies: the shorter term beyond the one chunk's worth the pipeline always shows.
      const shorter = Math.min(cost.wireMs, cost.hostMs) * (1 - 1 / Math.max(1, bigPhase.chunksPerRound));
      const phi = shorter > 0 ? (ms(big) - cost.ms) / shorter : Number.NaN;
      overlapPerLink.push(Number.isNaN(phi) ? phi : Math.min(1, Math.max(0, phi)));
    }
    const fitted = overlapPerLink.filter((x) => !Number.isNaN(x));
    overlapPenalty = fitted.length ? median(fitted) : DEFAULT_OVERLAP_PENALTY;
  }
  links.push(...shapedLinks);
  return { network: { ...network, wireEfficiency, overlapPenalty }, links, overlapPerLink };
}

/**
 * With N ranks on `cores` cores (κ = N/cores > 1), the small allreduce is mostly α and the large allgather mostly
 * transport host time: T = L·x + H·y for each, with L and H their latency and transport terms at κ = 1,
 * x = 1 + s_α(κ − 1) and y = 1 + s_h(κ − 1). Two equations, two unknowns; slopes clamped to ≥ 0.
 */
function fitContention(network: NetworkConstants, kernels: KernelCosts, contended: ContendedLaunch, ms: (c: TimedCall) => number): Pick<NetworkConstants, 'alphaContentionSlope' | 'transportContentionSlope'> {
  const m = contended.measurement;
  const kappa = m.worldSize / contended.cores;
  const big = m.allgather[m.allgather.length - 1];
  if (!(kappa > 1) || !big) return { alphaContentionSlope: DEFAULT_CONTENTION_SLOPE, transportContentionSlope: DEFAULT_CONTENTION_SLOPE };
  // Latency and transport terms at κ = 1; the kernels inside (the reduction) always scale by κ.
  const terms = (phase: CommPhase, measured: number): [number, number, number] => {
    const cost = commPhaseCost(phase, ctxFor(network, kernels, [], null));
    const kernelMs = phase.kernels.reduce((sum, k) => sum + (kernels[k.kernel] * k.units) / 1e6, 0);
    return [cost.latencyMs, cost.hostMs - kernelMs, measured - kappa * kernelMs];
  };
  const [a1, b1, c1] = terms(allreducePhase(1, 'float32', m.worldSize, { chunkBytes: m.chunkBytes }), ms(m.latency));
  const [a2, b2, c2] = terms(allgatherPhase(big.bytes / 4, 'float32', m.worldSize, { chunkBytes: m.chunkBytes }), ms(big));
  const det = a1 * b2 - a2 * b1;
  if (!(Math.abs(det) > 0)) return { alphaContentionSlope: DEFAULT_CONTENTION_SLOPE, transportContentionSlope: DEFAULT_CONTENTION_SLOPE };
  const x = (c1 * b2 - c2 * b1) / det;
  const y = (a1 * c2 - a2 * c1) / det;
  return { alphaContentionSlope: Math.max(0, (x - 1) / (kappa - 1)), transportContentionSlope: Math.max(0, (y - 1) / (kappa - 1)) };
}

function linkEntry(rate: string | null, rateGbit: number | null, streamGbit: number | null, alphaUs: number, m: LaunchMeasurement, ms: (c: TimedCall) => number): LinkCalibration {
  const big = m.allreduce;
  const busbwGbit = big ? (big.bytes * 8 * ((2 * (m.worldSize - 1)) / m.worldSize)) / (ms(big) * 1e6) : 0;
  return { rate, rateGbit, streamGbit, alphaUs, allreduceBytes: big?.bytes ?? 0, allreduceMs: big ? ms(big) : 0, busbwGbit };
}

