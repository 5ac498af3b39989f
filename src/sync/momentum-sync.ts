// Averages the workers' momenta across ranks when the momentum policy says so (docs/strategies.md, "Momentum synchronisation").
//
// Under compressed strategies each rank's momentum sees only its local gradient, so momenta drift apart;
// a mean allreduce of m (all of it, or selected layers) pulls them back together. `adaptive` decides per
// layer from a measured divergence (momentum-divergence.ts) instead of a fixed schedule.

import type { ProcessGroup } from '../comm/process-group.js';
import { InvalidArgumentError } from '../errors.js';
import type { KernelRegion } from '../kernels/kernel-memory.js';
import { kernelMemory } from '../kernels/load.js';
import type { Lion } from '../optim/lion.js';
import { globToRegExp } from '../optim/weight-decay-mask.js';
import { Bf16Payload } from './bf16.js';
import { MomentumDivergence } from './momentum-divergence.js';
import { MomentumSchedule, type MomentumPolicy } from './momentum-policy.js';

interface Range { start: number; end: number }

/** What one call of MomentumSynchronizer.syncAt did. */
export interface MomentumSyncReport {
  /** Momentum values averaged across ranks (0 when nothing was synced). */
  syncedValues: number;
  /** The largest per-layer divergence the adaptive policy measured at this step; null when it measured none. */
  divergence: number | null;
}

export class MomentumSynchronizer {
  private readonly schedule: MomentumSchedule;
  /** Ranges the policy may sync (every layer, or those matching `layers:GLOB`), neighbours merged. */
  private readonly ranges: Range[];
  private readonly divergence: MomentumDivergence | null;
  /** Converts bf16 momentum payloads (policies with @bf16): room for every range a sync may select. */
  private readonly bf16: Bf16Payload | null;
  /**
   * Where the selected ranges are packed when there are several (`layers:GLOB` over non-neighbouring layers,
   * `adaptive`), so one allreduce serves them all instead of one per range, each with its own latency.
   */
  private readonly packed: KernelRegion | null;
  constructor(private readonly group: ProcessGroup, private readonly lion: Lion, private readonly policy: MomentumPolicy, seed: number) {
    this.schedule = new MomentumSchedule(policy);
    const segments = lion.layout.segments;
    let selected = segments.map(() => true);
    if (policy.kind === 'layers') {
      const re = globToRegExp(policy.pattern);
      selected = segments.map((s) => re.test(s.name));
      if (!selected.some(Boolean)) {
        throw new InvalidArgumentError('--momentum-sync', `layers:${policy.pattern}`, `a pattern matching at least one layer; layers are ${segments.slice(0, 8).map((s) => s.name).join(', ')}${segments.length > 8 ? ', …' : ''}`);
      }
    }
    this.ranges = mergeRanges(segments.filter((_, j) => selected[j]).map((s) => ({ start: s.offset, end: s.offset + s.length })));
    this.divergence = policy.kind === 'adaptive' ? new MomentumDivergence(lion.layout, seed) : null;
    // adaptive may select any subset of the layers; the others always sync the same ranges.
    const mayPack = policy.kind === 'adaptive' ? segments.length > 1 : this.ranges.length > 1;
    const capacity = totalLength(policy.kind === 'adaptive' ? [{ start: 0, end: lion.layout.numParams }] : this.ranges);
    this.bf16 = policy.kind !== 'none' && policy.payload === 'bf16' ? new Bf16Payload(capacity) : null;
    this.packed = policy.kind !== 'none' && mayPack ? kernelMemory.allocF32(capacity) : null;
  }

  /** Releases the kernel memory of the bf16 payload and the packed ranges. Idempotent. */
  dispose(): void {
    this.bf16?.dispose();
    if (this.packed) kernelMemory.release(this.packed);
  }

  /**
   * Runs the policy for global step `step` (0-based, asked in increasing order). After it resolves the synced
   * values are identical on every rank.
   */
  async syncAt(step: number): Promise<MomentumSyncReport> {
    const none: MomentumSyncReport = { syncedValues: 0, divergence: null };
    if (this.group.worldSize === 1 || this.policy.kind === 'none') return none;
    if (!this.schedule.syncAt(step)) return none;
    let ranges = this.ranges;
    let divergence: number | null = null;
    if (this.divergence) {
      const threshold = (this.policy as { threshold: number }).threshold;
      const perLayer = await this.divergence.measure(this.group, this.lion.state.momentum);
      divergence = Math.max(...perLayer);
      const segments = this.lion.layout.segments;
      ranges = mergeRanges(segments.filter((_, j) => perLayer[j] > threshold).map((s) => ({ start: s.offset, end: s.offset + s.length })));
    }
    if (ranges.length === 1) await this.average(this.lion.state.momentum.subarray(ranges[0].start, ranges[0].end));
    else if (ranges.length > 1) await this.averagePacked(ranges);
    return { syncedValues: totalLength(ranges), divergence };
  }

  /** Averages several ranges with one allreduce: packed one after another, averaged, written back. */
  private async averagePacked(ranges: readonly Range[]): Promise<void> {
    const packed = (this.packed as KernelRegion).f32().subarray(0, totalLength(ranges));
    let at = 0;
    for (const r of ranges) {
      packed.set(this.lion.state.momentum.subarray(r.start, r.end), at);
      at += r.end - r.start;
    }
    await this.average(packed);
    // The mean was written into `packed` during the await; fail loudly if the kernel memory grew meanwhile.
    kernelMemory.checkLive('packed momentum', packed);
    const mean = packed;
    const momentum = this.lion.state.momentum;
    at = 0;
    for (const r of ranges) {
      momentum.set(mean.subarray(at, at + r.end - r.start), r.start);
      at += r.end - r.start;
    }
  }

  /** Replaces `m` (a view of kernel memory) by the mean over ranks. */
  private async average(m: Float32Array): Promise<void> {
    if (!this.bf16) {
      await this.group.allreduce(m, { op: 'mean' });
      // The group wrote the mean into m during the await; had the kernel memory grown meanwhile, those writes
      // went to a detached buffer and were lost, so fail loudly instead.
      kernelMemory.checkLive('momentum', m);
      return;
    }
    // bf16 halves the bytes; summed in float32 at every hop (ProcessGroup's bfloat16 rule), widened back here.
    const words = this.bf16.encode(m);
    await this.group.allreduce(words, { op: 'mean', dtype: 'bfloat16' });
    this.bf16.decode(words, m);
  }
}

function totalLength(ranges: readonly Range[]): number {
  return ranges.reduce((sum, r) => sum + (r.end - r.start), 0);
}

function mergeRanges(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    if (r.end === r.start) continue;
    const last = out[out.length - 1];
    if (last && last.end === r.start) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

