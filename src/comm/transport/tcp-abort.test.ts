// Tests of abort reasons: what a peer rebuilds from the failing rank's payload.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommError, CommTimeoutError, PeerClosedError } from '../errors.js';
import { decodeAbort, encodeAbort } from './tcp-abort.js';

describe('abort payload', () => {
  it('keeps class, code and the rank the failure named, without repeating the field suffix', () => {
    const original = new PeerClosedError('the connection to rank 2 closed', { rank: 1, peer: 2, op: 'allreduce', seq: 7 });
    const rebuilt = decodeAbort(encodeAbort(original), 1, 0);
    assert.ok(rebuilt instanceof PeerClosedError);
    assert.equal(rebuilt.peer, 2);
    assert.equal(rebuilt.rank, 0);
    assert.equal(rebuilt.seq, 7);
    assert.equal(rebuilt.message, 'rank 1 failed and aborted the job: the connection to rank 2 closed (op=allreduce, seq=7, rank=0, peer=2)');
    assert.ok(decodeAbort(encodeAbort(new CommTimeoutError('slow', { rank: 3 })), 3, 0) instanceof CommTimeoutError);
  });

  it('names the sender when the failure named no peer, and survives garbage', () => {
    assert.equal(decodeAbort(encodeAbort(new CommError('closed', 'bye')), 4, 0).peer, 4);
    const garbled = decodeAbort(Buffer.from('{not json'), 5, 0);
    assert.equal(garbled.code, 'peer_closed');
    assert.equal(garbled.peer, 5);
    assert.equal(decodeAbort(Buffer.from(JSON.stringify({ code: 'weird' })), 5, 0).code, 'peer_closed');
  });

  it('neutralises control characters of the peer-supplied text and drops fields that are not ranks or names', () => {
    const payload = Buffer.from(JSON.stringify({ code: 'protocol', message: 'bad\u001b[2J\u001b]0;owned\u0007\r\nrank 0: all good\u202e', peer: -1, op: 'x\u001b[31m', seq: 1.5 }));
    const error = decodeAbort(payload, 3, 0);
    assert.doesNotMatch(error.message, /[\u0000-\u001f\u007f-\u009f\u202e]/);
    assert.match(error.message, /^rank 3 failed and aborted the job: bad\ufffd\[2J/);
    assert.equal(error.peer, 3, 'a peer field that is not a rank is replaced by the authenticated sender');
    assert.equal(error.op, undefined);
    assert.equal(error.seq, undefined);
  });
});
