// Seals the elastic rendezvous state with a key derived from the job token, so a party without the token (anyone
// who can reach the backend: an etcd server, the builtin store's port) can neither read nor write valid state.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IntegrityError } from '../../errors.js';
import { stretchJobToken } from '../../transport/job-key.js';

/** "LCRZ": the first bytes of every sealed state. */
const MAGIC = Buffer.from('LCRZ', 'ascii');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The key sealing one job's rendezvous state: the job token stretched (scrypt) with the rendezvous id as salt. */
export function rendezvousSealKey(jobToken: string | Uint8Array, rdzvId: string): Buffer {
  const token = typeof jobToken === 'string' ? Buffer.from(jobToken, 'utf8') : jobToken;
  return stretchJobToken(token, `lion-cub elastic rendezvous v1 id=${rdzvId}`);
}

/**
 * AES-256-GCM with a fresh nonce; the rendezvous id is bound in as associated data, so the state of one job cannot
 * be replayed into another job that shares the token. Layout: MAGIC ‖ nonce ‖ tag ‖ ciphertext.
 */
export function sealState(plain: Uint8Array, key: Uint8Array, rdzvId: string): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(rdzvId, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, nonce, cipher.getAuthTag(), body]);
}

/** Throws IntegrityError (code `integrity`) when the blob was not sealed with this job's key and id, or was altered. */
export function openState(sealed: Uint8Array, key: Uint8Array, rdzvId: string, backend: string): Uint8Array {
  const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const header = MAGIC.length + NONCE_BYTES + TAG_BYTES;
  if (blob.length < header || !blob.subarray(0, MAGIC.length).equals(MAGIC)) throw tampered(backend, rdzvId, 'it is not a sealed rendezvous state');
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(MAGIC.length, MAGIC.length + NONCE_BYTES));
  decipher.setAAD(Buffer.from(rdzvId, 'utf8'));
  decipher.setAuthTag(blob.subarray(MAGIC.length + NONCE_BYTES, header));
  try {
    return Buffer.concat([decipher.update(blob.subarray(header)), decipher.final()]);
  } catch {
    throw tampered(backend, rdzvId, 'its seal does not verify');
  }
}

function tampered(backend: string, rdzvId: string, why: string): IntegrityError {
  return new IntegrityError(
    `the rendezvous state of job "${rdzvId}" in the ${backend} backend was written without this job's token or altered (${why}): `
      + 'check that every node has the same LION_CUB_JOB_TOKEN and --rdzv-id, and that nothing else writes to the backend',
    { op: 'rendezvous' },
  );
}
