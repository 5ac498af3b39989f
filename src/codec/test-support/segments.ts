// Layer layouts for quantiser tests: segments of awkward sizes (odd, not word aligned) tiling [0, n).

import { seededRandom } from '../../random.js';
import type { Segment } from '../quant-options.js';

/** Segments of awkward sizes (odd, not word aligned), ending with whatever is left. */
export function segmentsFor(n: number, seed: number): Segment[] {
  const rand = seededRandom(seed);
  const out: Segment[] = [];
  let offset = 0;
  while (offset < n) {
    const length = Math.min(n - offset, 1 + Math.floor(rand() * (n > 5000 ? 300_000 : 40)));
    out.push({ offset, length });
    offset += length;
  }
  return out;
}
