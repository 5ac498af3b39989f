// Chooses the job token every rank presents in the transport handshake.

import { InvalidArgumentError } from '../errors.js';
import { JOB_TOKEN_ENV, MIN_JOB_TOKEN_LENGTH, generateJobToken } from '../comm/transport/handshake.js';

/**
 * The given token when there is one; otherwise a fresh one (generateJobToken) for a single-node job.
 * A multi-node job needs the SAME token on every node and launchers on different machines cannot agree
 * on a random one, so there it throws InvalidArgumentError telling the user to set LION_CUB_JOB_TOKEN on
 * all nodes. A given token shorter than the handshake accepts is refused here, before any worker starts.
 */
export function jobTokenForLaunch(given: string | undefined, nnodes: number): string {
  const expectation = `a secret of at least ${MIN_JOB_TOKEN_LENGTH} characters, the same on every node (e.g. export ${JOB_TOKEN_ENV}=$(openssl rand -hex 16) and use that value on all nodes)`;
  if (given !== undefined && given.length > 0) {
    if (given.length < MIN_JOB_TOKEN_LENGTH) throw new InvalidArgumentError(JOB_TOKEN_ENV, `a ${given.length}-character token`, expectation);
    return given;
  }
  if (nnodes > 1) throw new InvalidArgumentError(JOB_TOKEN_ENV, `(unset, ${nnodes}-node job)`, expectation);
  return generateJobToken();
}
