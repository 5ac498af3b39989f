// `bench/tfjs-matmul.ts`: times tfjs matmul in each transpose layout, with and without the transposed-matmul override.
//
// Run: npx tsx bench/tfjs-matmul.ts [--size 256,1024] [--batch 1] [--repeats 5] [--backend wasm|cpu] [--json]
// --batch B multiplies B independent n×n pairs at once (attention-style batched products).
// Bounded: sizes × 4 layouts × 2 variants × (1 warm-up + repeats) products.

import { pathToFileURL } from 'node:url';
import { machineInfo, measureSync, type TimingSummary } from '../src/bench/harness.js';
import { countFlag, flagValue } from './script-flags.js';
import { initBackend, type BackendName } from '../src/tfjs/backend.js';
import { installTransposedMatMulOverride, uninstallTransposedMatMulOverride } from '../src/tfjs/matmul-override.js';
import { tf } from '../src/tfjs/tf.js';

export interface MatMulBenchOptions {
  /** Square side n: each product is n×n·n×n, 2n³ FLOP. */
  sizes: number[];
  /** Independent products per call (batch dimension); 1 = plain 2-D matmul. */
  batch: number;
  repeats: number;
  backend: BackendName;
}

export interface MatMulBenchRow extends TimingSummary {
  backend: string;
  size: number;
  batch: number;
  layout: 'plain' | 'transposeA' | 'transposeB' | 'transposeAB';
  variant: 'original' | 'override';
  /** At the median time. */
  gflopPerSec: number;
}

const LAYOUTS = [
  { layout: 'plain', ta: false, tb: false },
  { layout: 'transposeA', ta: true, tb: false },
  { layout: 'transposeB', ta: false, tb: true },
  { layout: 'transposeAB', ta: true, tb: true },
] as const;

/** Runs every layout with the original kernels, then with the override; yields one row per measurement. */
export async function* runMatMulBench(options: MatMulBenchOptions): AsyncGenerator<MatMulBenchRow> {
  const info = await initBackend({ backend: options.backend, fastTransposedMatMul: false });
  for (const size of options.sizes) {
    const shape = options.batch === 1 ? [size, size] : [options.batch, size, size];
    const a = tf.randomNormal(shape, 0, 1, 'float32', 1);
    const b = tf.randomNormal(shape, 0, 1, 'float32', 2);
    for (const variant of ['original', 'override'] as const) {
      if (variant === 'override') installTransposedMatMulOverride(info.name);
      else uninstallTransposedMatMulOverride(info.name);
      for (const { layout, ta, tb } of LAYOUTS) {
        const timing = measureSync(() => {
          const c = tf.matMul(a, b, ta, tb);
          c.dataSync();
          c.dispose();
        }, { warmup: 1, repeats: options.repeats });
        yield { backend: info.name, size, batch: options.batch, layout, variant, ...timing, gflopPerSec: (2 * options.batch * size ** 3) / (timing.medianMs * 1e6) };
      }
    }
    a.dispose();
    b.dispose();
  }
  uninstallTransposedMatMulOverride(info.name);
}

function parseArgs(argv: string[]): MatMulBenchOptions & { json: boolean } {
  const get = (flag: string, fallback: string): string => flagValue(argv, flag, fallback);
  const sizes = get('--size', '256,1024').split(',').map(Number);
  const repeats = countFlag(argv, '--repeats', 5, 100);
  const batch = countFlag(argv, '--batch', 1, 1024);
  const backend = get('--backend', 'wasm') as BackendName;
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 4096)) throw new Error('--size: comma-separated integers in 1..4096');
  return { sizes, batch, repeats, backend, json: argv.includes('--json') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opts = parseArgs(process.argv.slice(2));
  const machine = machineInfo();
  if (!opts.json) console.log(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}`);
  for await (const row of runMatMulBench(opts)) {
    if (opts.json) console.log(JSON.stringify({ ...row, machine }));
    else console.log(`${row.backend} ${row.batch > 1 ? `${row.batch}×` : ''}n=${row.size} ${row.layout.padEnd(11)} ${row.variant.padEnd(8)} median ${row.medianMs.toFixed(1).padStart(8)} ms  min ${row.minMs.toFixed(1).padStart(8)} ms  ${row.gflopPerSec.toFixed(2).padStart(6)} GFLOP/s`);
  }
}
