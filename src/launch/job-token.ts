// Chooses the job token every rank presents in the transport handshake.

import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import { JOB_TOKEN_ENV } from './launch-plan.js';

/** A fresh random token: 128 bits, hex, so no other job (or stray connection) can pass the handshake by accident. */
export function freshJobToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The given token when there is one; otherwise a fresh one for a single-node job. A multi-node job
 * needs the SAME token on every node and launchers on different machines cannot agree on a random
 * one, so there it throws InvalidArgumentError telling the user to set LION_CUB_JOB_TOKEN on all nodes.
 */
export function resolveJobToken(given: string | undefined, nnodes: number): string {
  if (given !== undefined && given.length > 0) return given;
  if (nnodes > 1) {
    throw new InvalidArgumentError(JOB_TOKEN_ENV, given ?? '(unset)', `the same secret on every node of a ${nnodes}-node job, e.g. export ${JOB_TOKEN_ENV}=$(openssl rand -hex 16) and use that value on all nodes`);
  }
  return freshJobToken();
}
