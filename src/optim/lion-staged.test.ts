// Lion with staged momentum (reserveStagedMomentum): every step equals the unstaged Lion bit for bit, the apply swaps
// buffers only after an encode of the same plan and gradient, and a skipped step discards what the encode staged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signCodeWords } from '../codec/sign-code-checks.js';
import { packedWordCount } from '../codec/quant-options.js';
import { kernelMemory, setWasmKernelsEnabled } from '../kernels/load.js';
import { randomFloat32 } from '../random.js';
import { createLion, type Lion } from './lion.js';
import { layoutFromLengths } from './param-layout.js';

setWasmKernelsEnabled(true);

const layout = layoutFromLengths([{ name: 'w', length: 333 }, { name: 'b', length: 35 }, { name: 'v', length: 100 }]);
const n = layout.numParams;
const OPTIONS = { lr: 0.05, weightDecay: 0.3, weightDecayMask: { exclude: ['b'] }, maxGradNorm: 5 };

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** One rank's arrays in kernel memory (or on the heap), so that the wasm or the JS path runs. */
function buffers(memory: 'heap' | 'kernel', words: number) {
  const regions = memory === 'kernel' ? [kernelMemory.allocF32(n), kernelMemory.allocF32(n), kernelMemory.allocU32(words)] : null;
  const heap = { params: new Float32Array(n), grads: new Float32Array(n), code: new Uint32Array(words) };
  return {
    params: () => (regions ? regions[0].f32() : heap.params),
    grads: () => (regions ? regions[1].f32() : heap.grads),
    code: () => (regions ? regions[2].u32() : heap.code),
    release: () => regions?.forEach((r) => kernelMemory.release(r)),
  };
}

type Encode = 'sign' | 'quant';

/** One split step: clip, encode, apply the code (the rank's own code stands in for the vote), or skip. */
function splitStep(lion: Lion, b: ReturnType<typeof buffers>, encode: Encode, skip: boolean): boolean {
  const grads = b.grads();
  const plan = lion.clipInPlace(grads, lion.planStep(grads));
  const finite = encode === 'sign'
    ? lion.encodeSign(grads, b.code(), plan)
    : lion.encodeQuant(grads, { bits: 4, method: 'stochastic', seed: 7 }, b.code(), plan);
  if (skip || !finite) {
    lion.skip(plan);
    return false;
  }
  // A p-bit code is not a sign code; its first words serve as the agreed direction bits.
  const signCode = encode === 'sign' ? b.code() : b.code().subarray(0, signCodeWords(n));
  lion.applySignCode(b.params(), grads, signCode, plan);
  return true;
}

for (const memory of ['kernel', 'heap'] as const) {
  for (const encode of ['sign', 'quant'] as Encode[]) {
    test(`${memory} memory, ${encode} encode: staged momentum equals the unstaged Lion bit for bit, skips and non-finite steps included`, () => {
      const words = encode === 'sign' ? signCodeWords(n) : packedWordCount(n, 4);
      const plain = createLion(layout, { ...OPTIONS, stateMemory: memory });
      const staged = createLion(layout, { ...OPTIONS, stateMemory: memory });
      staged.reserveStagedMomentum();
      const [bp, bs] = [buffers(memory, words), buffers(memory, words)];
      try {
        const start = randomFloat32(n, 1);
        bp.params().set(start);
        bs.params().set(start);
        let swaps = 0;
        for (let s = 0; s < 12; s++) {
          const g = randomFloat32(n, 100 + s, { scale: s % 3 === 0 ? 10 : 0.5 });
          if (s === 5) g[200] = Number.NaN;
          bp.grads().set(g);
          bs.grads().set(g);
          const before = staged.state.momentum.slice();
          const beforeOffset = staged.state.momentum.byteOffset;
          const skip = s === 7;
          const appliedPlain = splitStep(plain, bp, encode, skip);
          const appliedStaged = splitStep(staged, bs, encode, skip);
          assert.equal(appliedStaged, appliedPlain, `step ${s} applied`);
          assert.ok(sameBits(bs.params(), bp.params()), `params at step ${s}`);
          assert.ok(sameBits(staged.state.momentum, plain.state.momentum), `momentum at step ${s}`);
          if (appliedStaged) {
            swaps += staged.state.momentum.byteOffset !== beforeOffset || memory === 'heap' ? 1 : 0;
          } else {
            assert.ok(sameBits(staged.state.momentum, before), `a skipped step ${s} keeps m`);
          }
        }
        if (memory === 'kernel') assert.equal(swaps, 10, 'every applied step swapped in the staged buffer');
        assert.equal(staged.state.step, 12);
      } finally {
        bp.release();
        bs.release();
        plain.dispose();
        staged.dispose();
      }
    });
  }
}

test('the staged buffer is used only by an apply of the same plan and gradient; otherwise the apply updates m itself', () => {
  const words = signCodeWords(n);
  const plain = createLion(layout, { lr: 0.01, stateMemory: 'kernel' });
  const staged = createLion(layout, { lr: 0.01, stateMemory: 'kernel' });
  staged.reserveStagedMomentum();
  const [bp, bs] = [buffers('kernel', words), buffers('kernel', words)];
  try {
    for (const [lion, b] of [[plain, bp], [staged, bs]] as const) {
      b.grads().set(randomFloat32(n, 3));
      const plan = lion.planStep(b.grads());
      lion.encodeSign(b.grads(), b.code(), plan);
      // A different gradient array at the apply (same values scaled): the staged m' would be wrong for it.
      const other = kernelMemory.allocF32(n);
      other.f32().set(b.grads().map((x) => x * 3));
      lion.applySignCode(b.params(), other.f32(), b.code(), plan);
      kernelMemory.release(other);
      // A resumed step counter discards what was staged, too.
      b.grads().set(randomFloat32(n, 4));
      const next = lion.planStep(b.grads());
      lion.encodeSign(b.grads(), b.code(), next);
      lion.state.step = next.step;
      lion.applySignCode(b.params(), b.grads(), b.code(), lion.planStep(b.grads()));
    }
    assert.ok(sameBits(bs.params(), bp.params()));
    assert.ok(sameBits(staged.state.momentum, plain.state.momentum));
  } finally {
    bp.release();
    bs.release();
    plain.dispose();
    staged.dispose();
  }
});

test('reserveStagedMomentum is idempotent and dispose releases both buffers', () => {
  const used = kernelMemory.bytesInUse;
  const lion = createLion(layout, { lr: 0.01, stateMemory: 'kernel' });
  lion.reserveStagedMomentum();
  const reserved = kernelMemory.bytesInUse;
  lion.reserveStagedMomentum();
  assert.equal(kernelMemory.bytesInUse, reserved);
  assert.ok(reserved - used >= 2 * 4 * n);
  lion.dispose();
  assert.equal(kernelMemory.bytesInUse, used);
});
