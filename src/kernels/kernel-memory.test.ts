import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelMemory } from './kernel-memory.js';
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
