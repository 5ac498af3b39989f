// The dense-layer products of assembly/gemm.ts: picks the relaxed-SIMD build when the engine accepts it, and
// instantiates it on any wasm memory (the tfjs wasm heap, or lion-cub's kernel memory) to run in place.

import { setFlagsFromString } from 'node:v8';
import { instantiateKernelModule, readKernelFile } from './load.js';

/** The raw exports: pointers are byte offsets into the memory the instance was made on. */
export interface GemmKernels {
  gemm_nn(x: number, w: number, y: number, bias: number, relu: boolean, m: number, k: number, n: number): void;
  /** `scratch`: gemm_nt_scratch(m, k, n) floats (none unless k < 16, when b is transposed into it). */
  gemm_nt(a: number, b: number, y: number, m: number, k: number, n: number, scratch: number): void;
  gemm_nt_scratch(m: number, k: number, n: number): number;
  /** `scratch`: gemm_tn_scratch(m, k, n) floats. */
  gemm_tn(a: number, b: number, y: number, m: number, k: number, n: number, scratch: number): void;
  gemm_tn_scratch(m: number, k: number, n: number): number;
}

/** 'relaxed': multiply-adds are f32x4.relaxed_madd (fused with FMA); 'simd': a multiply then an add. */
export type GemmVariant = 'relaxed' | 'simd';

/** The option Node 20 needs to run relaxed SIMD (newer Node has it on); launch/worker-command.ts passes it to workers. */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

let chosen: GemmVariant | null = null;
const instances = new WeakMap<WebAssembly.Memory, GemmKernels>();

/**
 * The build used by this process, chosen once: relaxed when this engine compiles build/gemm-relaxed.wasm
 * unless LION_CUB_GEMM=simd, else plain SIMD. Node 20 has relaxed SIMD behind RELAXED_SIMD_FLAG; workers
 * lion-cub starts get the flag (src/launch/worker-command.ts), and any other Node 20 process has it switched
 * on here (v8.setFlagsFromString; it only lets the engine accept the relaxed instructions).
 */
export function gemmVariant(): GemmVariant {
  if (chosen === null) {
    const wanted = process.env.LION_CUB_GEMM;
    if (wanted !== 'simd' && !relaxedSimdSupported()) setFlagsFromString(RELAXED_SIMD_FLAG);
    chosen = wanted !== 'simd' && relaxedSimdSupported() ? 'relaxed' : 'simd';
  }
  return chosen;
}


/** Whether this runtime runs relaxed SIMD without extra options (false on Node 20 started without the flag). */
export function relaxedSimdSupported(): boolean {
  try {
    new WebAssembly.Module(readKernelFile('gemm-relaxed'));
    return true;
  } catch {
    return false;
  }
}

/** The kernels instantiated on `memory` (cached per memory; `variant` defaults to gemmVariant()). */
export function gemmKernels(memory: WebAssembly.Memory, variant: GemmVariant = gemmVariant()): GemmKernels {
  if (variant !== gemmVariant()) return instantiateKernelModule<GemmKernels>(variant === 'relaxed' ? 'gemm-relaxed' : 'gemm', memory);
  let kernels = instances.get(memory);
  if (!kernels) {
    kernels = instantiateKernelModule<GemmKernels>(variant === 'relaxed' ? 'gemm-relaxed' : 'gemm', memory);
    instances.set(memory, kernels);
  }
  return kernels;
}
