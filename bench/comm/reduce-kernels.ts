// `bench/comm/reduce-kernels.ts`: CPU time of the collectives' reductions, wasm SIMD against the JS reference.
//
// Reduces chunk-sized slices (the ring's 256 KiB default) of a kernel-memory array, as one rank of a 4-rank
// 64 MiB allreduce does in its reduce-scatter (3 steps × 16 MiB), and prints the process CPU time per dtype and op.
//
// Run: npx tsx bench/comm/reduce-kernels.ts [--repeats 3]

import { DTYPE_BYTES, type DType } from '../../src/comm/codes.js';
import { elementView } from '../../src/comm/collectives/views.js';
import { combineInto, combineIntoJs } from '../../src/comm/reduce-ops.js';
import { machineInfo } from '../../src/bench/harness.js';
import { kernelMemory } from '../../src/kernels/load.js';

const i = process.argv.indexOf('--repeats');
const repeats = i >= 0 ? Number(process.argv[i + 1]) : 3;
if (!Number.isInteger(repeats) || repeats < 1 || repeats > 100) throw new Error('--repeats: an integer in 1..100');
const CHUNK_BYTES = 256 * 1024;
const TOTAL_BYTES = 48 * 2 ** 20;
const machine = machineInfo();
process.stdout.write(`machine: ${machine.cpus} cpus (${machine.cpuModel}), node ${machine.node}; ${TOTAL_BYTES / 2 ** 20} MiB reduced in ${CHUNK_BYTES / 1024} KiB chunks\n`);
const dst = kernelMemory.alloc(16 * 2 ** 20);
const src = kernelMemory.alloc(CHUNK_BYTES);
const cases: [DType, 'sum' | 'max', number][] = [['float32', 'sum', 1], ['float32', 'sum', 4], ['float32', 'max', 1], ['bfloat16', 'sum', 1], ['int8', 'sum', 1], ['int32', 'sum', 1]];
for (const [dtype, op, divisor] of cases) {
  const count = CHUNK_BYTES / DTYPE_BYTES[dtype];
  const slots = (16 * 2 ** 20) / CHUNK_BYTES;
  const d = elementView(dtype, dst.u8());
  const s = elementView(dtype, src.u8());
  const cpuMs: Record<string, number> = {};
  for (const [name, combine] of [['wasm', combineInto], ['js', combineIntoJs]] as const) {
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      const start = process.cpuUsage();
      for (let k = 0; k < TOTAL_BYTES / CHUNK_BYTES; k++) combine(dtype, op, d, (k % slots) * count, s, 0, count, divisor);
      const used = process.cpuUsage(start);
      best = Math.min(best, (used.user + used.system) / 1000);
    }
    cpuMs[name] = best;
  }
  process.stdout.write(`${dtype} ${op}${divisor === 1 ? '' : `/${divisor}`}: wasm ${cpuMs.wasm.toFixed(1)} ms, js ${cpuMs.js.toFixed(1)} ms CPU (best of ${repeats}), ${(cpuMs.js / cpuMs.wasm).toFixed(1)}x\n`);
}
