// Views of kernel memory held across a grow are rejected with KernelViewError by every kernel wrapper and by the
// strategies that let a collective write into kernel views across an await; a grow used to make them fail silently.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lionApplySign, packSigns } from '../codec/index.js';
import type { ProcessGroup } from '../comm/process-group.js';
import { sumOfSquares } from '../optim/global-norm.js';
import { layoutFromLengths } from '../optim/param-layout.js';
import { kernelRun } from './test-support/kernel-run.js';
import { withRanks } from './test-support/ranks.js';
import { kernelMemory, setWasmKernelsEnabled, wasmKernelsEnabled } from '../kernels/load.js';

/** Allocates (and releases) a block larger than the memory, which forces a grow and detaches every view. */
function growKernelMemory(): void {
  kernelMemory.release(kernelMemory.alloc(kernelMemory.memory.buffer.byteLength));
}

test('a kernel wrapper rejects a view taken before a grow, on the wasm and the JS path', () => {
  const enabled = wasmKernelsEnabled();
  const region = kernelMemory.allocF32(64);
  try {
    for (const wasm of [true, false]) {
      setWasmKernelsEnabled(wasm);
      const stale = region.f32();
      stale.fill(1);
      growKernelMemory();
      assert.throws(() => sumOfSquares(stale), { code: 'kernel_view_detached' });
      assert.throws(() => packSigns(stale, new Uint32Array(2), 0), { code: 'kernel_view_detached' });
      const fresh = region.f32();
      assert.throws(() => lionApplySign(fresh, stale, fresh, new Uint32Array(2), { lr: 0.1, weightDecay: 0, beta2: 0.99 }), {
        code: 'kernel_view_detached', field: 'momentum',
      });
      assert.equal(sumOfSquares(region.f32()), 64, 'a view taken again works');
    }
  } finally {
    setWasmKernelsEnabled(enabled);
    kernelMemory.release(region);
  }
});

/** The group, except that kernel memory grows whenever an allreduce of more than `minLength` elements completes. */
function growingGroup(group: ProcessGroup, minLength: number): ProcessGroup {
  const wrapped = Object.create(group) as ProcessGroup;
  wrapped.allreduce = async (buf, options) => {
    const result = await group.allreduce(buf, options);
    if (buf.length > minLength) growKernelMemory();
    return result;
  };
  return wrapped;
}

const D = 96;
const options = {
  layout: layoutFromLengths([{ name: 'w', length: D }]),
  lion: { lr: 0.01 },
  params0: new Float32Array(D).fill(1),
  grads: (rank: number) => new Float32Array(D).fill(rank + 1),
};

test('lion: a grow during the gradient allreduce rejects the step instead of stepping on a detached gradient', async () => {
  const results = await withRanks(2, (g) => kernelRun(growingGroup(g, 1), 'lion', 1, options).then(() => 'ok', (e: { code?: string }) => e.code));
  assert.deepEqual(results, ['kernel_view_detached', 'kernel_view_detached']);
});

test('momentum sync: a grow during the momentum allreduce rejects the step instead of silently keeping local momenta', async () => {
  const run = { ...options, momentumSync: 'every:1' };
  const results = await withRanks(2, (g) => kernelRun(growingGroup(g, 1), 'cub-1bit', 1, run).then(() => 'ok', (e: { code?: string }) => e.code));
  assert.deepEqual(results, ['kernel_view_detached', 'kernel_view_detached']);
});
