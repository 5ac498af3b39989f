// Recursive doubling on arrays in kernel memory: the received array lands in a kernel-memory slot and reduces in wasm.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelMemory, wasmDispatchCount } from '../../kernels/load.js';
import { seededRandom } from '../../random.js';
import { DTYPE_BYTES, DTYPE_CODES, OP_CODES, type DType } from '../codes.js';
import type { ElementArray, ReduceOp } from '../reduce-ops.js';
import { createMemoryTransports } from '../transport/memory-transport.js';
import { allreduceRecursiveDoubling } from './allreduce-recursive-doubling.js';
import { CollectiveLink } from './link.js';
import { Scratch, elementView } from './views.js';

async function doublingOn(bufs: ElementArray[], scratches: Scratch[], dtype: DType, op: ReduceOp): Promise<void> {
  const transports = createMemoryTransports(bufs.length);
  await Promise.all(transports.map((t, r) => {
    const link = new CollectiveLink(t, { op: OP_CODES.allreduce, seq: 0, dtype: DTYPE_CODES[dtype] });
    return allreduceRecursiveDoubling({ link, chunkBytes: 1024, scratch: scratches[r] }, bufs[r], dtype, op);
  }));
}

test('arrays in kernel memory reduce through the kernel-memory work slot to the same bits as ordinary arrays', async () => {
  const inUse = kernelMemory.bytesInUse;
  const length = 777;
  for (const n of [3, 4]) {
    for (const [dtype, op] of [['float32', 'mean'], ['float32', 'max'], ['bfloat16', 'sum'], ['int32', 'sum'], ['int8', 'sum']] as const) {
      const bytes = length * DTYPE_BYTES[dtype];
      const rand = seededRandom(n);
      // Any bits, but no float32 NaN (whose sign and payload are not part of the contract).
      const inputs = Array.from({ length: n }, () => Uint8Array.from({ length: bytes }, (_, i) => (rand() * 256) & (dtype === 'float32' && i % 4 === 3 ? 0xbf : 0xff)));
      const plain = inputs.map((b) => elementView(dtype, b.slice()));
      await doublingOn(plain, plain.map(() => new Scratch()), dtype, op);

      const scratches = inputs.map(() => new Scratch({ kernelWorkBytes: 4096 }));
      const regions = inputs.map((b) => {
        const region = kernelMemory.alloc(bytes);
        region.u8().set(b);
        return region;
      });
      const inKernel = regions.map((region) => elementView(dtype, region.u8()));
      assert.equal(scratches[0].chunk('work', bytes, inKernel[0]).buffer, kernelMemory.memory.buffer, 'work slot beside the array');
      const dispatches = wasmDispatchCount();
      await doublingOn(inKernel, scratches, dtype, op);
      assert.ok(wasmDispatchCount() > dispatches, 'the combines ran in wasm');
      for (let r = 0; r < n; r++) {
        assert.deepEqual(new Uint8Array(inKernel[r].buffer, inKernel[r].byteOffset, bytes), new Uint8Array(plain[r].buffer, plain[r].byteOffset, bytes), `N=${n} ${dtype} ${op} rank ${r}`);
      }
      regions.forEach((region) => kernelMemory.release(region));
      scratches.forEach((s) => s.release());
    }
  }
  assert.equal(kernelMemory.bytesInUse, inUse, 'released scratch returns its kernel memory');
});
