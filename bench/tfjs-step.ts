// `bench/tfjs-step.ts`: times one local training step (writing fresh parameters, forward + backward into a flat gradient)
// of a workload, with the wasm matmul kernels as shipped and with the transposed-matmul override.
//
// Run: npx tsx bench/tfjs-step.ts [--workload mnist-mlp] [--batch 64] [--repeats 5] [--backend wasm|cpu] [--json]
// Bounded: 2 variants × (1 warm-up + repeats) steps.

import { pathToFileURL } from 'node:url';
import { machineInfo, measureSync, type TimingSummary } from '../src/bench/harness.js';
import { countFlag, flagValue } from './script-flags.js';
import { initBackend, type BackendName } from '../src/tfjs/backend.js';
import { FlatParams } from '../src/tfjs/flat-params.js';
import { countParams } from '../src/tfjs/model.js';
import { tf } from '../src/tfjs/tf.js';
import { getWorkload } from '../src/workloads/registry.js';

export interface StepBenchOptions {
  workload: string;
  /** Examples per step on this worker. */
  batchSize: number;
  repeats: number;
  backend: BackendName;
}

export interface StepBenchRow {
  workload: string;
  backend: string;
  numParams: number;
  batchSize: number;
  variant: 'original' | 'override';
  /**
   * Writing fresh parameters, then forward + backward + copying the gradient into the flat buffer: what a training
   * step costs in tfjs (new weight tensors every step, so nothing packed for them earlier can be reused).
   */
  gradients: TimingSummary;
  /** FlatParams.write of the whole parameter vector. */
  write: TimingSummary;
}

/** Measures the step of `options.workload` without and then with the override (wasm) or once (cpu). */
export async function* runStepBench(options: StepBenchOptions): AsyncGenerator<StepBenchRow> {
  const workload = getWorkload(options.workload);
  const variants = options.backend === 'wasm' ? (['original', 'override'] as const) : (['original'] as const);
  for (const variant of variants) {
    const info = await initBackend({ backend: options.backend, fastTransposedMatMul: variant === 'override' });
    const model = workload.createModel();
    const data = workload.loadData();
    const batch = data.train.batch(Array.from({ length: options.batchSize }, (_, i) => i));
    const flat = new FlatParams(model.variables);
    const params = flat.read();
    const grads = new Float32Array(flat.numParams);
    const measure = { warmup: 1, repeats: options.repeats };
    const gradients = measureSync(() => {
      flat.write(params);
      flat.gradients(() => workload.loss(model, batch), grads);
    }, measure);
    const write = measureSync(() => flat.write(params), measure);
    yield { workload: workload.name, backend: info.name, numParams: countParams(model), batchSize: options.batchSize, variant, gradients, write };
    tf.dispose([batch.x, batch.y]);
    model.dispose();
  }
}

function parseArgs(argv: string[]): StepBenchOptions & { json: boolean } {
  const get = (flag: string, fallback: string): string => flagValue(argv, flag, fallback);
  const batchSize = countFlag(argv, '--batch', 64, 4096);
  const repeats = countFlag(argv, '--repeats', 5, 100);
  return { workload: get('--workload', 'mnist-mlp'), batchSize, repeats, backend: get('--backend', 'wasm') as BackendName, json: argv.includes('--json') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opts = parseArgs(process.argv.slice(2));
  const machine = machineInfo();
  if (!opts.json) console.log(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}`);
  for await (const row of runStepBench(opts)) {
    if (opts.json) console.log(JSON.stringify({ ...row, machine }));
    else {
      console.log(`${row.workload} (${row.numParams} params) ${row.backend} batch ${row.batchSize} ${row.variant.padEnd(8)}: ` +
        `write+fwd+bwd median ${row.gradients.medianMs.toFixed(1)} ms (min ${row.gradients.minMs.toFixed(1)}), ` +
        `write median ${row.write.medianMs.toFixed(1)} ms (min ${row.write.minMs.toFixed(1)})`);
    }
  }
}
