// `lion-cub bench compute`: one training step's compute of a workload in this process, timed and split by op type.
//
// A step here is what a rank computes between two gradient exchanges: writing the parameters into the model,
// forward, backward, and the gradient in the flat buffer the codecs read (FlatParams). As in training, both flat
// buffers are kernel memory and the variables are bound to the parameter buffer when the backend allows it
// (FlatParams.bind), so "writing the parameters" only tells the backend they changed, and the backward pass writes
// the gradients into their buffer; `paramsBound` and `gradientsCopied` say how far that went. GFLOP/s counts the
// multiply-adds of the step's matrix products (2·m·k·n each, read from the profiled kernels' shapes), the work
// the dense kernels do; the split by op type comes from one extra step under tf.profile (each kernel's time).

import { measureSync, summarize } from '../harness.js';
import { gemmVariant } from '../../kernels/gemm.js';
import { kernelMemory, wasmKernelsEnabled } from '../../kernels/load.js';
import { initBackend, type BackendName } from '../../tfjs/backend.js';
import { FlatParams } from '../../tfjs/flat-params.js';
import { countParams } from '../../tfjs/model.js';
import { tf } from '../../tfjs/tf.js';
import { getWorkload } from '../../workloads/registry.js';

export interface ComputeBenchOptions {
  workload: string;
  workloadOptions?: object;
  /** Examples per step. */
  batch: number;
  repeats: number;
  backend?: BackendName;
}

export interface ComputeBenchRow {
  what: 'step';
  workload: string;
  batch: number;
  backend: string;
  /** Which dense kernels ran: relaxed or plain SIMD, xnnpack (LION_CUB_KERNELS=js), or none (cpu backend). */
  kernels: string;
  numParams: number;
  /** Trainable variables (parameter tensors). */
  numVariables: number;
  /** Variables that are views of the flat parameter buffer (no copy per step); the rest are copied in. */
  paramsBound: number;
  /** Variables whose gradient was copied into the flat gradient buffer; the rest were written there by the backward pass. */
  gradientsCopied: number;
  msMedian: number;
  msMin: number;
  msMax: number;
  /** Median CPU time of this process per step (user + system): on a loaded machine, the work without the waiting. */
  cpuMsMedian: number;
  /** Matrix-product FLOPs of one step. */
  matmulGflop: number;
  /** matmulGflop per second of the median step. */
  gflops: number;
  /** Milliseconds per op type in one profiled step; `(outside kernels)` is the rest of the step's wall time. */
  split: Record<string, number>;
}

const MATMUL_KERNELS = new Set(['BatchMatMul', '_FusedMatMul']);

/** 2·m·k·n summed over the batch entries of a matrix product, from its input a's and output's shapes. */
function matmulFlops(aShape: readonly number[], outShape: readonly number[]): number {
  const rows = outShape[outShape.length - 2];
  const [aRows, aCols] = aShape.slice(-2);
  const k = aRows === rows ? aCols : aRows;
  return 2 * outShape.reduce((p, d) => p * d, 1) * k;
}

/** Times `options.repeats` steps (after two warm-ups) and profiles one more. */
export async function runComputeBench(options: ComputeBenchOptions): Promise<ComputeBenchRow> {
  const workload = getWorkload(options.workload);
  const info = await initBackend({ backend: options.backend ?? 'wasm' });
  const model = workload.createModel(options.workloadOptions);
  const data = workload.loadData(options.workloadOptions);
  const batch = data.train.batch(Array.from({ length: options.batch }, (_, i) => i % data.train.numExamples));
  const flat = new FlatParams(model.variables);
  const paramsRegion = kernelMemory.allocF32(flat.numParams);
  const gradsRegion = kernelMemory.allocF32(flat.numParams);
  const paramsBound = flat.bind(paramsRegion.f32());
  let gradientsCopied = 0;
  const step = () => {
    flat.write(paramsRegion.f32());
    gradientsCopied = flat.gradients(() => workload.loss(model, batch), () => gradsRegion.f32()).copied;
  };
  try {
    const timing = measureSync(step, { warmup: 2, repeats: options.repeats });
    const cpuMs: number[] = [];
    for (let i = 0; i < options.repeats; i++) {
      const before = process.cpuUsage();
      step();
      const used = process.cpuUsage(before);
      cpuMs.push((used.user + used.system) / 1000);
    }
    const wallStart = performance.now();
    const profile = await tf.profile(step);
    const wallMs = performance.now() - wallStart;
    const split: Record<string, number> = {};
    let flops = 0;
    let inKernels = 0;
    for (const kernel of profile.kernels) {
      const ms = await kernel.kernelTimeMs;
      if (typeof ms !== 'number') continue;
      split[kernel.name] = (split[kernel.name] ?? 0) + ms;
      inKernels += ms;
      if (MATMUL_KERNELS.has(kernel.name)) flops += matmulFlops(kernel.inputShapes[0], kernel.outputShapes[0]);
    }
    split['(outside kernels)'] = Math.max(0, wallMs - inKernels);
    return {
      what: 'step', workload: workload.name, batch: options.batch, backend: info.name,
      kernels: info.name !== 'wasm' ? 'none' : wasmKernelsEnabled() ? gemmVariant() : 'xnnpack', numParams: countParams(model),
      numVariables: model.variables.length, paramsBound, gradientsCopied, msMedian: timing.medianMs, msMin: timing.minMs, msMax: timing.maxMs, cpuMsMedian: summarize(cpuMs).medianMs,
      matmulGflop: flops / 1e9, gflops: flops / timing.medianMs / 1e6, split,
    };
  } finally {
    tf.dispose([batch.x, batch.y]);
    flat.unbind();
    kernelMemory.release(paramsRegion);
    kernelMemory.release(gradsRegion);
    model.dispose();
  }
}
