// Chooses the job token every rank presents in the transport handshake.

import { InvalidArgumentError } from '../errors.js';
import { JOB_TOKEN_ENV, JOB_TOKEN_EXPECTATION, checkJobToken, generateJobToken } from '../comm/transport/handshake.js';

/**
 * The given token when there is one; otherwise a fresh one (generateJobToken) for a single-node job.
 * A multi-node job needs the SAME token on every node and launchers on different machines cannot agree
 * on a random one, so there it throws InvalidArgumentError telling the user to set LION_CUB_JOB_TOKEN on
 * all nodes. A given token the ranks' handshake would refuse (too short or easy to guess) is refused here by
 * the same check (checkJobToken), before any worker starts.
 */
export function jobTokenForLaunch(given: string | undefined, nnodes: number): string {
  if (given !== undefined && given.length > 0) return checkJobToken(JOB_TOKEN_ENV, given);
  if (nnodes > 1) throw new InvalidArgumentError(JOB_TOKEN_ENV, `(unset, ${nnodes}-node job)`, JOB_TOKEN_EXPECTATION);
  return generateJobToken();
}
