// Benchmark cases for the p-bit and int8 quantisation kernels: quantise, fused Lion encode, sign of 8 summed codes, and JS references.

import { int8Levels, quantizeInt8 } from '../../codec/int8-quant.js';
import { parityWord } from '../../codec/parity.js';
import { signOfSumPacked } from '../../codec/pbit-sum.js';
import { signOfSumPackedJs } from '../../codec/pbit-sum-js.js';
import { lionEncodeQuant, lionEncodeQuantJs, quantize, quantizeJs } from '../../codec/quant.js';
import { packedWordCount, type QuantizeOptions, type Segment } from '../../codec/quant-options.js';
import { randomFloat32, seededRandom } from '../../random.js';
import { withRegions, type CodecBenchCase } from './case.js';

const VOTERS = 8;
const L1_4BIT: QuantizeOptions = { bits: 4, method: 'l1' };

/**
 * Layer sizes of a small transformer-like model, repeated until `n` values are covered: square and
 * rectangular weights with their biases and norm gains, some not a multiple of 32 (boundaries inside words).
 */
export function layerSegments(n: number): Segment[] {
  const sizes = [1_048_576, 1_024, 1_000_000, 1_000, 786_432, 768, 768];
  const out: Segment[] = [];
  for (let offset = 0, i = 0; offset < n; i++) {
    const length = Math.min(sizes[i % sizes.length], n - offset);
    out.push({ offset, length });
    offset += length;
  }
  return out;
}

function quantizeCase(kernel: string, path: 'wasm' | 'js', run: typeof quantize): CodecBenchCase {
  return {
    kernel, path,
    setup: (n, memory) => withRegions(memory, [n * 4, packedWordCount(n, 4) * 4], ([src, code]) => {
      src.f32().set(randomFloat32(n, 11, { zeroFraction: 0.01 }));
      const c = src.f32();
      const dst = code.u32();
      const segments = layerSegments(n);
      return () => run(c, segments, L1_4BIT, dst);
    }),
  };
}

/** The fused Lion encode; `staged` also writes the next momentum into a fourth buffer (staged momentum). */
function lionEncodeCase(kernel: string, path: 'wasm' | 'js', run: typeof lionEncodeQuant, staged = false): CodecBenchCase {
  return {
    kernel, path,
    setup: (n, memory) => withRegions(memory, [n * 4, n * 4, packedWordCount(n, 4) * 4, ...(staged ? [n * 4] : [])], ([mr, gr, code, next]) => {
      mr.f32().set(randomFloat32(n, 12, { scale: 0.01 }));
      const m = mr.f32();
      gr.f32().set(randomFloat32(n, 13, { scale: 0.01 }));
      const g = gr.f32();
      const dst = code.u32();
      const segments = layerSegments(n);
      const stage = next ? { out: next.f32(), beta2: 0.99 } : undefined;
      return () => run(m, g, 0.9, segments, L1_4BIT, dst, stage);
    }),
  };
}

function sumCase(kernel: string, path: 'wasm' | 'js'): CodecBenchCase {
  return {
    kernel, path,
    setup: (n, memory) => {
      const words = packedWordCount(n, 4);
      return withRegions(memory, [VOTERS * words * 4, Math.ceil(n / 32) * 4], ([stackedRegion, result]) => {
        // Random words are valid 4-bit codes (−8 … 7 per nibble).
        const stacked = stackedRegion.u32();
        const rand = seededRandom(14);
        for (let i = 0; i < stacked.length; i++) stacked[i] = (rand() * 2 ** 32) >>> 0;
        const dst = result.u32();
        let step = 0;
        return path === 'wasm'
          ? () => signOfSumPacked(stacked, VOTERS, words, 4, n, dst, step++)
          : () => signOfSumPackedJs(stacked, VOTERS, words, 4, n, dst, parityWord(step++));
      });
    },
  };
}

export const quantKernelCases: CodecBenchCase[] = [
  quantizeCase('quantize-l1-4bit', 'wasm', quantize),
  quantizeCase('quantize-l1-4bit-js', 'js', quantizeJs),
  lionEncodeCase('lion-encode-l1-4bit', 'wasm', lionEncodeQuant),
  lionEncodeCase('lion-encode-l1-4bit-js', 'js', lionEncodeQuantJs),
  lionEncodeCase('lion-encode-l1-4bit-staged', 'wasm', lionEncodeQuant, true),
  sumCase('sum-4bit-8', 'wasm'),
  sumCase('sum-4bit-8-js', 'js'),
  {
    kernel: 'quantize-int8', path: 'wasm',
    setup: (n, memory) => withRegions(memory, [n * 4, n], ([src, out]) => {
      src.f32().set(randomFloat32(n, 15, { zeroFraction: 0.01 }));
      const c = src.f32();
      const dst = out.i8();
      const segments = layerSegments(n);
      const options = { method: 'l1' as const, levels: int8Levels(VOTERS) };
      return () => quantizeInt8(c, segments, options, dst);
    }),
  },
];
