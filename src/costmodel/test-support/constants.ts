// Hand-made cost constants for the model's tests: round numbers, or zeros to isolate one term.

import { CONSTANTS_SCHEMA, type CostConstants, type NetworkConstants } from '../constants.js';
import { KERNEL_NAMES, type KernelCosts } from '../kernels.js';

/** Every kernel at `ns` per unit. */
export function uniformKernels(ns: number): KernelCosts {
  return Object.fromEntries(KERNEL_NAMES.map((k) => [k, ns])) as KernelCosts;
}

/** Constants with the given network terms (defaults: α 50 µs, δ 20 µs, o 5 µs, h 2 ns/B, η 1, φ 0.5, contention slopes 1) and kernels at 1 ns/unit. */
export function testConstants(network: Partial<NetworkConstants> = {}, kernels: Partial<KernelCosts> = {}): CostConstants {
  return {
    schema: CONSTANTS_SCHEMA,
    origin: 'calibrated',
    createdAt: '2026-01-01T00:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'test', node: 'v20' },
    cores: 2,
    network: { alphaUs: 50, variableRoundUs: 20, messageUs: 5, hostNsPerByte: 2, wireEfficiency: 1, overlapPenalty: 0.5, alphaContentionSlope: 1, transportContentionSlope: 1, ...network },
    kernels: { ...uniformKernels(1), ...kernels },
    kernelValues: 1 << 20,
    statistic: 'median',
    links: [],
  };
}

/** Only the wire term: α, δ, o, h, kernels zero, η = 1, φ = 0. */
export function wireOnlyConstants(): CostConstants {
  return testConstants({ alphaUs: 0, variableRoundUs: 0, messageUs: 0, hostNsPerByte: 0, wireEfficiency: 1, overlapPenalty: 0 }, uniformKernels(0));
}
