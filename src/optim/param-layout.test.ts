// Tests of parameter layouts: construction from shapes and lengths, views, validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors.js';
import { createParamLayout, findSegment, layoutFromLengths, layoutFromShapes, segmentView } from './param-layout.js';

function assertInvalid(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(err)}`);
    assert.equal(err.code, 'invalid_argument');
    assert.equal(err.field, field);
    return true;
  });
}

test('shapes become contiguous segments in order', () => {
  const layout = layoutFromShapes([
    { name: 'dense/kernel', shape: [3, 4] },
    { name: 'dense/bias', shape: [4] },
    { name: 'scale', shape: [] },
    { name: 'empty', shape: [0, 5] },
  ]);
  assert.equal(layout.numParams, 17);
  assert.deepEqual(layout.segments.map((s) => [s.name, s.offset, s.length]), [
    ['dense/kernel', 0, 12], ['dense/bias', 12, 4], ['scale', 16, 1], ['empty', 17, 0],
  ]);
  assert.ok(Object.isFrozen(layout) && Object.isFrozen(layout.segments) && Object.isFrozen(layout.segments[0]));
});

test('segmentView is a live subarray of the flat buffer', () => {
  const layout = layoutFromLengths([{ name: 'a', length: 2 }, { name: 'b', length: 3 }]);
  const buffer = new Float32Array([0, 1, 2, 3, 4]);
  const b = segmentView(layout, buffer, 'b');
  assert.deepEqual([...b], [2, 3, 4]);
  b[0] = 42;
  assert.equal(buffer[2], 42);
  assert.deepEqual([...segmentView(layout, buffer, layout.segments[0])], [0, 1]);
  assertInvalid(() => segmentView(layout, new Float32Array(4), 'a'), 'buffer');
  assertInvalid(() => segmentView(layout, buffer, 'c'), 'name');
  assert.equal(findSegment(layout, 'b').offset, 2);
});

test('explicit segments must be contiguous from 0 without overlap', () => {
  assert.equal(createParamLayout([{ name: 'a', offset: 0, length: 2 }, { name: 'b', offset: 2, length: 1 }]).numParams, 3);
  assertInvalid(() => createParamLayout([{ name: 'a', offset: 1, length: 2 }]), 'segments[0].offset');
  assertInvalid(() => createParamLayout([{ name: 'a', offset: 0, length: 2 }, { name: 'b', offset: 1, length: 1 }]), 'segments[1].offset');
  assertInvalid(() => createParamLayout([{ name: 'a', offset: 0, length: 2 }, { name: 'b', offset: 3, length: 1 }]), 'segments[1].offset');
  assert.equal(createParamLayout([]).numParams, 0);
});

test('bad names and lengths are typed errors naming the field', () => {
  assertInvalid(() => layoutFromLengths([{ name: 'a', length: 1 }, { name: 'a', length: 1 }]), 'segments[1].name');
  assertInvalid(() => layoutFromLengths([{ name: '', length: 1 }]), 'segments[0].name');
  assertInvalid(() => layoutFromLengths([{ name: 'a', length: -1 }]), 'segments[0].length');
  assertInvalid(() => layoutFromLengths([{ name: 'a', length: 1.5 }]), 'segments[0].length');
  assertInvalid(() => layoutFromLengths([{ name: 'a', length: 2 ** 30 }, { name: 'b', length: 1 }]), 'segments[1].length');
  assertInvalid(() => layoutFromShapes([{ name: 'a', shape: [2, -1] }]), 'entries[0].shape');
  assertInvalid(() => layoutFromShapes([{ name: 'a', shape: [2.5] }]), 'entries[0].shape');
  assertInvalid(() => layoutFromShapes('nope' as never), 'entries');
});
