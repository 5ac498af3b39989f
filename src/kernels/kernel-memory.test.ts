import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelMemory, KernelViewError } from './kernel-memory.js';
import { kernelFlag, withMissingExportsNamed } from './load.js';
import { InvalidArgumentError } from '../errors.js';

test('regions are aligned, zero-filled and disjoint', () => {
  const mem = new KernelMemory(1);
  const a = mem.allocF32(10);
  const b = mem.allocF32(100);
  assert.equal(a.offset % 64, 0);
  assert.equal(b.offset % 64, 0);
  assert.ok(a.offset + a.byteLength <= b.offset);
  a.f32().fill(7);
  assert.deepEqual([...b.f32()].slice(0, 3), [0, 0, 0]);
  assert.equal(a.f32().length, 10);
});

test('views survive a memory grow by being re-created', () => {
  const mem = new KernelMemory(1);
  const a = mem.allocF32(4);
  a.f32().set([1, 2, 3, 4]);
  const stale = a.f32();
  mem.alloc(8 * 65536); // forces a grow, detaching the old ArrayBuffer
  assert.equal(stale.length, 0, 'old view is detached');
  assert.deepEqual([...a.f32()], [1, 2, 3, 4]);
  assert.ok(mem.contains(a.f32()));
  assert.ok(!mem.contains(new Float32Array(4)));
});

test('released blocks are reused, coalesced and zeroed; bytesInUse returns to zero', () => {
  const mem = new KernelMemory(1);
  const a = mem.alloc(1000);
  const b = mem.alloc(1000);
  const c = mem.alloc(1000);
  b.u8().fill(9);
  mem.release(b);
  const d = mem.alloc(500);
  assert.equal(d.offset, b.offset, 'first fit reuses the hole');
  assert.equal(d.u8()[0], 0, 'reused memory is zeroed');
  mem.release(a);
  mem.release(c);
  mem.release(d);
  assert.equal(mem.bytesInUse, 0);
  assert.throws(() => d.u8(), /after free/);
});

test('a block released at the top of the heap comes back zeroed', () => {
  const mem = new KernelMemory(1);
  const a = mem.allocF32(4);
  a.f32().fill(7);
  mem.release(a);
  const b = mem.allocF32(8);
  assert.equal(b.offset, a.offset);
  assert.deepEqual([...b.f32()], [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('bad sizes are typed errors', () => {
  const mem = new KernelMemory(1);
  assert.throws(() => mem.alloc(-1), InvalidArgumentError);
  assert.throws(() => mem.alloc(1.5), InvalidArgumentError);
  assert.throws(() => mem.alloc(5 * 2 ** 30), InvalidArgumentError);
});

/** A host heap like an Emscripten module's: its own bump allocator that grows the memory by itself. */
function fakeHost() {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
  let top = 1024;
  const freed: number[] = [];
  return {
    memory, freed,
    malloc(bytes: number): number {
      const p = top + 8; // 8-byte aligned like malloc, never 64-byte aligned here
      top = p + bytes;
      if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
      return p;
    },
    free(pointer: number): void { freed.push(pointer); },
  };
}

test('hosted on another heap: regions are its malloc blocks, aligned, zeroed, freed back to it', () => {
  const mem = new KernelMemory(1);
  const host = fakeHost();
  new Uint8Array(host.memory.buffer).fill(0xff); // the host's memory is not zero
  assert.equal(mem.hostOn(host), true);
  assert.equal(mem.hosted, true);
  assert.equal(mem.memory, host.memory);
  const a = mem.allocF32(10);
  assert.equal(a.offset % 64, 0);
  assert.deepEqual([...a.f32()], new Array(10).fill(0));
  assert.ok(mem.contains(a.f32()));
  assert.ok(mem.bytesInUse > 0);
  mem.release(a);
  assert.deepEqual(host.freed, [a.hostPointer]);
  assert.equal(mem.bytesInUse, 0);
  assert.equal(mem.hostOn(fakeHost()), false, 'already hosted');
});

test('hosting is refused while regions are in use; a grow the host makes on its own is detected', () => {
  const mem = new KernelMemory(1);
  const region = mem.allocF32(4);
  assert.equal(mem.hostOn(fakeHost()), false);
  mem.release(region);
  const host = fakeHost();
  assert.equal(mem.hostOn(host), true);
  const a = mem.allocF32(4);
  a.f32().set([1, 2, 3, 4]);
  const stale = a.f32();
  host.memory.grow(2); // e.g. tfjs allocating a tensor
  assert.equal(mem.isStale(stale), true);
  assert.throws(() => mem.checkLive('params', stale), KernelViewError);
  assert.deepEqual([...a.f32()], [1, 2, 3, 4]);
  assert.equal(mem.isStale(a.f32()), false);
});

test('a kernel module built before a kernel existed names the rebuild when that kernel is called', () => {
  const exports = withMissingExportsNamed('sign', { packSigns: () => 0 } as unknown as WebAssembly.Exports) as unknown as Record<string, unknown>;
  assert.equal(typeof exports.packSigns, 'function');
  assert.throws(() => exports.lionEncodeSignStaged, (e: Error & { code?: string }) =>
    e.code === 'kernels_missing' && /build\/sign\.wasm is older than the code \(it has no kernel lionEncodeSignStaged\): run `npm run build:wasm`/.test(e.message));
  assert.equal(exports.then, undefined, 'an await of the exports is not an error');
});

test('kernelFlag reads a kernel\'s 0/1 result and names the rebuild when a stale module returns nothing', () => {
  assert.equal(kernelFlag('sign', 'lionEncodeSign', 1), true);
  assert.equal(kernelFlag('sign', 'lionEncodeSign', 0), false);
  assert.throws(() => kernelFlag('sign', 'lionEncodeSign', undefined), (e: Error & { code?: string }) => e.code === 'kernels_missing' && /npm run build:wasm/.test(e.message));
});
