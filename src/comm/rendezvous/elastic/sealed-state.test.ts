// Tests that the elastic rendezvous state only verifies under the job's token and id, and that a node meeting tampered
// state fails with a typed integrity error instead of acting on it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntegrityError, ProtocolError } from '../../errors.js';
import { ElasticRendezvous } from './handler.js';
import { MemoryStateBackend } from './memory-backend.js';
import { decodeRoundState } from './round-state.js';
import { openState, rendezvousSealKey, sealState } from './sealed-state.js';

const TOKEN = 'f00dfeedc0ffee0123456789abcdef42';
const key = rendezvousSealKey(TOKEN, 'job');
const plain = Buffer.from('{"round":0}');
const isIntegrity = (e: unknown): boolean => e instanceof IntegrityError && e.code === 'integrity' && /LION_CUB_JOB_TOKEN/.test(e.message);

function handler(backend: MemoryStateBackend): ElasticRendezvous {
  const timing = { joinTimeoutMs: 2000, lastCallMs: 50, keepAliveIntervalMs: 20, keepAliveTimeoutMs: 200 };
  return new ElasticRendezvous({ backend, nodeId: 'a', min: 1, max: 1, rdzvId: 'job', sealKey: key, timing });
}

describe('sealed rendezvous state', () => {
  it('opens what was sealed with the same key and id', () => {
    assert.deepEqual(Buffer.from(openState(sealState(plain, key, 'job'), key, 'job', 'memory')), plain);
  });

  it('refuses another token, another job id, a flipped byte and a blob that was never sealed', () => {
    const sealed = Buffer.from(sealState(plain, key, 'job'));
    assert.throws(() => openState(sealed, rendezvousSealKey('0123456789abcdef0123456789abcdeX', 'job'), 'job', 'memory'), isIntegrity);
    assert.throws(() => openState(sealed, rendezvousSealKey(TOKEN, 'other'), 'other', 'memory'), isIntegrity);
    for (const at of [5, 20, sealed.length - 1]) {
      const flipped = Buffer.from(sealed);
      flipped[at] ^= 1;
      assert.throws(() => openState(flipped, key, 'job', 'memory'), isIntegrity, `byte ${at}`);
    }
    assert.throws(() => openState(plain, key, 'job', 'memory'), isIntegrity);
  });

  it('a node joining over tampered state fails with IntegrityError', async () => {
    const backend = new MemoryStateBackend();
    const round = await handler(backend).join(undefined, { kind: 'start', node: 'a', text: 'start' }, { addr: '127.0.0.1', storePort: 4000 });
    assert.equal(round.nodeRank, 0);
    const { state } = (await backend.getState())!;
    const altered = Buffer.from(state);
    altered[altered.length - 3] ^= 0x40;
    backend.overwrite(altered);
    await assert.rejects(handler(backend).join(0, { kind: 'failure', node: 'a', text: 'x' }, { addr: '127.0.0.1', storePort: 4001 }), isIntegrity);
    // Written by someone without the token: well-formed JSON in the clear is not accepted either.
    backend.overwrite(Buffer.from(JSON.stringify({ round: 9 })));
    await assert.rejects(handler(backend).join(0, { kind: 'failure', node: 'a', text: 'x' }, { addr: '127.0.0.1', storePort: 4001 }), isIntegrity);
  });

  it('sealed but malformed state is a protocol error naming the field', () => {
    assert.throws(() => decodeRoundState(Buffer.from('{"round":-1}')), (e: Error) => e instanceof ProtocolError && /round/.test(e.message));
  });
});
