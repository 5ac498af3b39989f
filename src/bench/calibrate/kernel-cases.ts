// One timing case per cost-model kernel: the code a training step runs, on buffers where training keeps them.

import { int8Levels, quantizeInt8, signOfInt8Sum } from '../../codec/int8-quant.js';
import { lionApplySign, lionEncodeSign } from '../../codec/lion-sign.js';
import { signOfSumPacked } from '../../codec/pbit-sum.js';
import { lionEncodeQuant } from '../../codec/quant.js';
import { packedWordCount, type QuantBits } from '../../codec/quant-options.js';
import { signCodeWords } from '../../codec/sign-code-checks.js';
import { tallySigns, voteSigns } from '../../codec/vote.js';
import { combineInto } from '../../comm/reduce-ops.js';
import type { KernelMemory } from '../../kernels/kernel-memory.js';
import type { KernelName } from '../../costmodel/kernels.js';
import { lionApplyDirection, lionFusedStep, lionUpdateVector } from '../../optim/lion-fused.js';
import { lionCoefficients } from '../../optim/lion-numerics.js';
import { fromBf16, toBf16 } from '../../sync/bf16.js';
import { randomFloat32, seededRandom } from '../../random.js';
import { withRegions, type CodecBenchInstance } from '../codec/case.js';
import { layerSegments } from '../codec/quant-cases.js';

/** A prepared kernel call: `run` does `units` units of work (KERNEL_UNITS) and may be repeated. */
export interface KernelInstance extends CodecBenchInstance {
  units: number;
}

export type KernelCase = (numValues: number, memory: KernelMemory) => KernelInstance;

/** Stack height of the vote, tally and sum cases: the work is voters × (d / voters) values, d units in all. */
const VOTERS = 8;
/** A ring reduces one received chunk at a time: 256 KiB of float32. */
const CHUNK_ELEMENTS = 65_536;
const K = lionCoefficients({ lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decayed: true });
const HP = { lr: 1e-4, beta2: 0.99, weightDecay: 0.1 };

function fillWords(words: Uint32Array, seed: number): Uint32Array {
  const rand = seededRandom(seed);
  for (let i = 0; i < words.length; i++) words[i] = (rand() * 2 ** 32) >>> 0;
  return words;
}

function unitsOf(instance: CodecBenchInstance, units: number): KernelInstance {
  return { ...instance, units };
}

/** params, momentum, grads (float32) and a 1-bit code, as the strategies hold them in kernel memory. */
function lionCase(n: number, memory: KernelMemory, build: (p: Float32Array, m: Float32Array, g: Float32Array, code: Uint32Array) => () => void): KernelInstance {
  return unitsOf(withRegions(memory, [4 * n, 4 * n, 4 * n, 4 * signCodeWords(n)], ([p, m, g, c]) => {
    p.f32().set(randomFloat32(n, 1));
    m.f32().set(randomFloat32(n, 2, { scale: 0.01 }));
    g.f32().set(randomFloat32(n, 3, { scale: 0.01 }));
    fillWords(c.u32(), 4);
    return build(p.f32(), m.f32(), g.f32(), c.u32());
  }), n);
}

function encodeQuantCase(bits: QuantBits): KernelCase {
  return (n, memory) => unitsOf(withRegions(memory, [4 * n, 4 * n, 4 * packedWordCount(n, bits)], ([m, g, code]) => {
    m.f32().set(randomFloat32(n, 5, { scale: 0.01 }));
    g.f32().set(randomFloat32(n, 6, { scale: 0.01 }));
    const segments = layerSegments(n);
    const [mv, gv, dst] = [m.f32(), g.f32(), code.u32()];
    return () => lionEncodeQuant(mv, gv, 0.9, segments, { bits, method: 'l1' }, dst);
  }), n);
}

function signOfSumCase(bits: QuantBits): KernelCase {
  return (n, memory) => {
    const values = Math.max(32, Math.floor(n / VOTERS));
    const words = packedWordCount(values, bits);
    return unitsOf(withRegions(memory, [4 * VOTERS * words, 4 * signCodeWords(values)], ([stacked, out]) => {
      // Random words are valid p-bit codes (every two's-complement field is in range).
      const input = fillWords(stacked.u32(), 7);
      const dst = out.u32();
      let step = 0;
      return () => signOfSumPacked(input, VOTERS, words, bits, values, dst, step++);
    }), VOTERS * values);
  };
}

function stackCase(kind: 'vote' | 'tally'): KernelCase {
  return (n, memory) => {
    const values = 32 * Math.max(1, Math.floor(n / VOTERS / 32));
    const words = values / 32;
    return unitsOf(withRegions(memory, [4 * VOTERS * words, 4 * values], ([stacked, out]) => {
      const input = fillWords(stacked.u32(), 8);
      if (kind === 'tally') {
        const dst = out.i32();
        return () => tallySigns(input, VOTERS, words, values, dst);
      }
      const dst = out.u32().subarray(0, words);
      let step = 0;
      return () => voteSigns(input, VOTERS, words, dst, step++);
    }), VOTERS * values);
  };
}

function reduceCase(dtype: 'float32' | 'bfloat16' | 'int8'): KernelCase {
  return (n, memory) => {
    const bytes = dtype === 'float32' ? 4 : dtype === 'bfloat16' ? 2 : 1;
    // The block being reduced is the caller's array (kernel memory for gradients); the chunk arrives in a heap scratch.
    return unitsOf(withRegions(memory, [bytes * n], ([blockRegion]) => {
      const block = dtype === 'float32' ? blockRegion.f32() : dtype === 'bfloat16' ? new Uint16Array(blockRegion.u8().buffer, blockRegion.u8().byteOffset, n) : blockRegion.i8();
      const chunk = dtype === 'float32' ? new Float32Array(CHUNK_ELEMENTS).fill(0.5) : dtype === 'bfloat16' ? new Uint16Array(CHUNK_ELEMENTS).fill(0x3f00) : new Int8Array(CHUNK_ELEMENTS).fill(1);
      return () => {
        for (let at = 0; at < n; at += CHUNK_ELEMENTS) combineInto(dtype, 'sum', block, at, chunk, 0, Math.min(CHUNK_ELEMENTS, n - at));
      };
    }), n);
  };
}

export const KERNEL_CASES: Record<KernelName, KernelCase> = {
  'lion-step': (n, memory) => lionCase(n, memory, (p, m, g) => () => lionFusedStep(p, m, g, K)),
  'lion-encode-sign': (n, memory) => lionCase(n, memory, (_p, m, g, code) => { let step = 0; return () => lionEncodeSign(m, g, 0.9, code, step++); }),
  'lion-apply-sign': (n, memory) => lionCase(n, memory, (p, m, g, code) => () => lionApplySign(p, m, g, code, HP)),
  'lion-encode-quant-2': encodeQuantCase(2),
  'lion-encode-quant-4': encodeQuantCase(4),
  'lion-encode-quant-8': encodeQuantCase(8),
  'lion-update-vector': (n, memory) => unitsOf(withRegions(memory, [4 * n, 4 * n, 4 * n], ([m, g, c]) => {
    m.f32().set(randomFloat32(n, 9, { scale: 0.01 }));
    g.f32().set(randomFloat32(n, 10, { scale: 0.01 }));
    const [mv, gv, cv] = [m.f32(), g.f32(), c.f32()];
    return () => lionUpdateVector(mv, gv, cv, K);
  }), n),
  'quantize-int8': (n, memory) => unitsOf(withRegions(memory, [4 * n, n], ([c, q]) => {
    c.f32().set(randomFloat32(n, 11, { zeroFraction: 0.01 }));
    const segments = layerSegments(n);
    const [cv, qv] = [c.f32(), q.i8()];
    const options = { method: 'l1' as const, levels: int8Levels(VOTERS) };
    return () => quantizeInt8(cv, segments, options, qv);
  }), n),
  vote: stackCase('vote'),
  tally: stackCase('tally'),
  'sign-of-sum-2': signOfSumCase(2),
  'sign-of-sum-4': signOfSumCase(4),
  'sign-of-sum-8': signOfSumCase(8),
  'check-int8-levels': (n, memory) => unitsOf(withRegions(memory, [n], ([q]) => {
    const values = q.i8();
    for (let i = 0; i < n; i++) values[i] = (i % 31) - 15;
    const s = int8Levels(8);
    let outside = 0;
    // The range check Int8Ring.run makes before sending (src/sync/collectives/int8-ring.ts, checkLevels).
    return () => { for (let i = 0; i < values.length; i++) { const v = values[i]; if (v > s || v < -s) outside++; } };
  }), n),
  'sign-of-int8-sum': (n, memory) => unitsOf(withRegions(memory, [n, 4 * signCodeWords(n)], ([sums, out]) => {
    const s = sums.i8();
    const rand = seededRandom(12);
    for (let i = 0; i < n; i++) s[i] = Math.floor(rand() * 255) - 127;
    const dst = out.u32();
    let step = 0;
    return () => signOfInt8Sum(s, dst, step++);
  }), n),
  'narrow-tally': (n, memory) => unitsOf(withRegions(memory, [4 * n], ([tallies]) => {
    const t = tallies.i32();
    for (let i = 0; i < n; i++) t[i] = (i % 17) - 8;
    const narrowed = new Int8Array(n);
    return () => narrowed.set(t);
  }), n),
  'tally-to-direction': (n, memory) => unitsOf(withRegions(memory, [n, 4 * n], ([tallies, direction]) => {
    const t = tallies.i8();
    for (let i = 0; i < n; i++) t[i] = (i % 17) - 8;
    const dir = direction.f32();
    const inv = 1 / 8;
    // The decode loop of SignAverageCombiner (src/sync/strategies/combiners.ts).
    return () => { for (let i = 0; i < dir.length; i++) dir[i] = Math.fround(t[i] * inv); };
  }), n),
  'lion-apply-direction': (n, memory) => unitsOf(withRegions(memory, [4 * n, 4 * n, 4 * n, 4 * n], ([p, m, g, d]) => {
    p.f32().set(randomFloat32(n, 13));
    m.f32().set(randomFloat32(n, 14, { scale: 0.01 }));
    g.f32().set(randomFloat32(n, 15, { scale: 0.01 }));
    d.f32().set(randomFloat32(n, 16));
    const [pv, mv, gv, dv] = [p.f32(), m.f32(), g.f32(), d.f32()];
    return () => lionApplyDirection(pv, mv, gv, dv, K);
  }), n),
  // As lion-bf16 runs them: converted in kernel memory (wasm) and copied to or from the words the allreduce sends.
  'bf16-encode': (n, memory) => unitsOf(withRegions(memory, [4 * n, 2 * n], ([src, words]) => {
    src.f32().set(randomFloat32(n, 17));
    const s = src.f32();
    const w = words.u16().subarray(0, n);
    const plain = new Uint16Array(n);
    return () => { toBf16(s, w); plain.set(w); };
  }), n),
  'bf16-decode': (n, memory) => unitsOf(withRegions(memory, [4 * n, 2 * n], ([dst, words]) => {
    const plain = new Uint16Array(n).fill(0x3f80);
    const w = words.u16().subarray(0, n);
    const d = dst.f32();
    return () => { w.set(plain); fromBf16(w, d); };
  }), n),
  'reduce-f32': reduceCase('float32'),
  'reduce-bf16': reduceCase('bfloat16'),
  'reduce-int8': reduceCase('int8'),
  copy: (n, memory) => unitsOf(withRegions(memory, [4 * n, 4 * n], ([src, dst]) => {
    const s = src.u8();
    s.fill(7);
    const d = dst.u8();
    return () => d.set(s);
  }), 4 * n),
};
