// Tests of configuration fingerprints: built-in fields, differences by field and rank, the error text.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROTOCOL_VERSION } from '../transport/frame.js';
import { ConfigMismatchError, assertFingerprintsAgree, diffFingerprints, makeFingerprint } from './fingerprint.js';

describe('fingerprints', () => {
  it('carries world size and protocol version next to the caller fields', () => {
    assert.deepEqual(makeFingerprint(4, { numParams: 10, strategy: 'vote' }), { worldSize: 4, protocolVersion: PROTOCOL_VERSION, numParams: 10, strategy: 'vote' });
  });

  it('refuses to let a caller field override a built-in one or hold a non-scalar', () => {
    assert.throws(() => makeFingerprint(2, { worldSize: 3 }), { code: 'invalid_argument', field: 'fingerprint.worldSize' });
    assert.throws(() => makeFingerprint(2, { x: Number.NaN }), { field: 'fingerprint.x' });
    assert.throws(() => makeFingerprint(2, { x: [1] as unknown as number }), { field: 'fingerprint.x' });
  });

  it('finds nothing when all agree', () => {
    const f = makeFingerprint(3, { a: 1, b: 'x', c: null });
    assert.deepEqual(diffFingerprints([f, { ...f }, { ...f }]), []);
    assertFingerprintsAgree([f, f, f], 0);
  });

  it('groups ranks by value per field, including missing fields and values that only differ in type', () => {
    const d = diffFingerprints([{ a: 1, b: true }, { a: '1', b: true }, { b: false }, { a: 1, b: true }]);
    assert.deepEqual(d, [
      { field: 'a', values: [{ value: 1, ranks: [0, 3] }, { value: '1', ranks: [1] }, { value: undefined, ranks: [2] }] },
      { field: 'b', values: [{ value: true, ranks: [0, 1, 3] }, { value: false, ranks: [2] }] },
    ]);
  });

  it('throws a ConfigMismatchError naming fields, values and ranks', () => {
    assert.throws(() => assertFingerprintsAgree([{ worldSize: 2, n: 5 }, { worldSize: 3, n: 5 }], 1), (e: ConfigMismatchError) => {
      assert.ok(e instanceof ConfigMismatchError);
      assert.equal(e.code, 'mismatch');
      assert.equal(e.rank, 1);
      assert.match(e.message, /worldSize: 2 on rank 0; 3 on rank 1/);
      assert.doesNotMatch(e.message, /\bn:/);
      return true;
    });
  });
});
