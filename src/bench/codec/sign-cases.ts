// Benchmark cases for the 1-bit sign codec kernels: pack, unpack, vote of 8, fused Lion, and JS references.

import { packSigns, unpackSigns, signCodeWords } from '../../codec/sign-code.js';
import { packSignsJs } from '../../codec/sign-code-js.js';
import { tallySigns, voteSigns } from '../../codec/vote.js';
import { voteSignsJs } from '../../codec/vote-js.js';
import { lionApplySign, lionApplySignTheta, lionEncodeSign, lionEncodeSignStaged, lionStepSign } from '../../codec/lion-sign.js';
import { lionSignConstants, lionStepSignJs } from '../../codec/lion-sign-js.js';
import { randomFloat32, seededRandom } from '../../random.js';
import type { KernelRegion } from '../../kernels/kernel-memory.js';
import { withRegions, type CodecBenchCase } from './case.js';

const VOTERS = 8;
const HP = { lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1 };

function fillWords(words: Uint32Array, seed: number): Uint32Array {
  const rand = seededRandom(seed);
  for (let i = 0; i < words.length; i++) words[i] = (rand() * 2 ** 32) >>> 0;
  return words;
}

function packCase(kernel: string, path: 'wasm' | 'js', pack: typeof packSigns): CodecBenchCase {
  return {
    kernel, path,
    setup: (n, memory) => withRegions(memory, [n * 4, signCodeWords(n) * 4], ([src, code]) => {
      const values = src.f32();
      values.set(randomFloat32(n, 1, { zeroFraction: 0.01 }));
      const dst = code.u32();
      let step = 0;
      return () => pack(values, dst, step++);
    }),
  };
}

function voteCase(kernel: string, path: 'wasm' | 'js', vote: typeof voteSigns): CodecBenchCase {
  return {
    kernel, path,
    setup: (n, memory) => {
      const words = signCodeWords(n);
      return withRegions(memory, [VOTERS * words * 4, words * 4], ([stacked, result]) => {
        const inputs = fillWords(stacked.u32(), 2);
        const dst = result.u32();
        let step = 0;
        return () => vote(inputs, VOTERS, words, dst, step++);
      });
    },
  };
}

function lionRegions(n: number): number[] {
  return [n * 4, n * 4, n * 4, signCodeWords(n) * 4];
}

function fillLion(regions: KernelRegion[], n: number): [Float32Array, Float32Array, Float32Array, Uint32Array] {
  const [p, m, g, c] = regions;
  p.f32().set(randomFloat32(n, 3));
  m.f32().set(randomFloat32(n, 4, { scale: 0.01 }));
  g.f32().set(randomFloat32(n, 5, { scale: 0.01 }));
  fillWords(c.u32(), 6);
  return [p.f32(), m.f32(), g.f32(), c.u32()];
}

export const signKernelCases: CodecBenchCase[] = [
  packCase('pack-sign', 'wasm', packSigns),
  packCase('pack-sign-js', 'js', packSignsJs),
  {
    kernel: 'unpack-sign', path: 'wasm',
    setup: (n, memory) => withRegions(memory, [signCodeWords(n) * 4, n * 4], ([code, out]) => {
      const src = fillWords(code.u32(), 7);
      const dst = out.f32();
      return () => unpackSigns(src, n, dst);
    }),
  },
  voteCase('vote-8', 'wasm', voteSigns),
  voteCase('vote-8-js', 'js', voteSignsJs),
  {
    kernel: 'tally-8', path: 'wasm',
    setup: (n, memory) => {
      const words = signCodeWords(n);
      return withRegions(memory, [VOTERS * words * 4, n * 4], ([stacked, result]) => {
        const inputs = fillWords(stacked.u32(), 2);
        const dst = result.i32();
        return () => tallySigns(inputs, VOTERS, words, n, dst);
      });
    },
  },
  {
    kernel: 'lion-encode-sign', path: 'wasm',
    setup: (n, memory) => withRegions(memory, lionRegions(n), (regions) => {
      const [, m, g, code] = fillLion(regions, n);
      let step = 0;
      return () => lionEncodeSign(m, g, HP.beta1, code, step++);
    }),
  },
  {
    kernel: 'lion-apply-sign', path: 'wasm',
    setup: (n, memory) => withRegions(memory, lionRegions(n), (regions) => {
      const [p, m, g, code] = fillLion(regions, n);
      return () => lionApplySign(p, m, g, code, HP);
    }),
  },
  {
    kernel: 'lion-encode-sign-staged', path: 'wasm',
    setup: (n, memory) => withRegions(memory, [...lionRegions(n), n * 4], (regions) => {
      const [, m, g, code] = fillLion(regions, n);
      const next = regions[4].f32();
      let step = 0;
      return () => lionEncodeSignStaged(m, g, HP.beta1, HP.beta2, next, code, step++);
    }),
  },
  {
    kernel: 'lion-apply-sign-theta', path: 'wasm',
    setup: (n, memory) => withRegions(memory, lionRegions(n), (regions) => {
      const [p, , , code] = fillLion(regions, n);
      return () => lionApplySignTheta(p, code, HP);
    }),
  },
  {
    kernel: 'lion-step', path: 'wasm',
    setup: (n, memory) => withRegions(memory, lionRegions(n), (regions) => {
      const [p, m, g, code] = fillLion(regions, n);
      let step = 0;
      return () => lionStepSign(p, m, g, HP, code, step++);
    }),
  },
  {
    kernel: 'lion-step-js', path: 'js',
    setup: (n, memory) => withRegions(memory, lionRegions(n), (regions) => {
      const [p, m, g, code] = fillLion(regions, n);
      const k = lionSignConstants(HP);
      let step = 0;
      return () => lionStepSignJs(p, m, g, k, code, step++);
    }),
  },
];
