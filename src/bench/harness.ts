// Timing helpers shared by every benchmark: repeated runs, min/median/max, and the machine they ran on.

import os from 'node:os';
import { median } from '../stats.js';

export interface TimingSummary {
  minMs: number;
  medianMs: number;
  maxMs: number;
  repeats: number;
}

export interface MeasureOptions {
  /** Untimed runs first, so JIT and page faults are out of the figures. */
  warmup?: number;
  repeats?: number;
}

/** Times `fn` `repeats` times after `warmup` untimed runs. */
export function measureSync(fn: () => void, { warmup = 3, repeats = 11 }: MeasureOptions = {}): TimingSummary {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return summarize(samples);
}

export function summarize(samples: number[]): TimingSummary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  return { minMs: Math.min(...samples), medianMs: median(samples), maxMs: Math.max(...samples), repeats: samples.length };
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemGiB: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** Parses counts like "16M", "1k", "1048576" (binary multiples: k = 1024, M = 2^20, G = 2^30). */
export function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const scale = { '': 1, k: 1024, K: 1024, m: 2 ** 20, M: 2 ** 20, g: 2 ** 30, G: 2 ** 30 }[m[2]] ?? 1;
  return Math.round(Number(m[1]) * scale);
}
