// Measures, per layer, how far the ranks' momenta have drifted apart, with one small allreduce.
//
// Exact cross-rank variance would need the full momentum of every rank (a full allreduce: the very cost
// adaptive sync wants to avoid). Instead every rank looks at the same fixed sample of coordinates per
// layer (chosen from the job seed) and allreduces Σ m and Σ m² over ranks for each sampled coordinate.
// For a layer, divergence = Σ Var_r(m_i) / Σ E_r(m_i²) over its samples: 0 when all ranks agree, 1 when
// their momenta are uncorrelated with mean zero. It estimates the fraction of the momentum's energy that
// is disagreement, on a scale that does not depend on the layer's magnitude.

import type { ProcessGroup } from '../comm/process-group.js';
import type { ParamLayout } from '../optim/param-layout.js';

/** Coordinates sampled per layer: enough for a stable ratio, small enough that the allreduce is latency-bound. */
export const SAMPLES_PER_LAYER = 256;

export class MomentumDivergence {
  private readonly sampleIndex: Int32Array;
  /** Sample k belongs to segment sampleSegment[k]. */
  private readonly sampleSegment: Int32Array;
  private readonly stats: Float32Array;

  constructor(private readonly layout: ParamLayout, seed: number) {
    const index: number[] = [];
    const segment: number[] = [];
    layout.segments.forEach((s, j) => {
      const count = Math.min(SAMPLES_PER_LAYER, s.length);
      let state = (seed ^ Math.imul(j + 1, 0x9e3779b1)) >>> 0;
      for (let k = 0; k < count; k++) {
        // Evenly spread strata with a seeded offset inside each, so every part of the layer is looked at.
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        const lo = Math.floor((k * s.length) / count);
        const hi = Math.floor(((k + 1) * s.length) / count);
        index.push(s.offset + lo + (state % Math.max(1, hi - lo)));
        segment.push(j);
      }
    });
    this.sampleIndex = Int32Array.from(index);
    this.sampleSegment = Int32Array.from(segment);
    this.stats = new Float32Array(2 * index.length);
  }

  /** Divergence per segment (index = segment), identical on every rank. */
  async measure(group: ProcessGroup, momentum: Float32Array): Promise<Float64Array> {
    const n = this.sampleIndex.length;
    for (let k = 0; k < n; k++) {
      const v = momentum[this.sampleIndex[k]];
      this.stats[k] = v;
      this.stats[n + k] = v * v;
    }
    await group.allreduce(this.stats, { op: 'sum' });
    const numSegments = this.layout.segments.length;
    const variance = new Float64Array(numSegments);
    const energy = new Float64Array(numSegments);
    const size = group.worldSize;
    for (let k = 0; k < n; k++) {
      const mean = this.stats[k] / size;
      const meanSquare = this.stats[n + k] / size;
      const j = this.sampleSegment[k];
      variance[j] += Math.max(0, meanSquare - mean * mean);
      energy[j] += meanSquare;
    }
    const divergence = new Float64Array(numSegments);
    for (let j = 0; j < numSegments; j++) divergence[j] = energy[j] > 0 ? variance[j] / energy[j] : 0;
    return divergence;
  }
}
