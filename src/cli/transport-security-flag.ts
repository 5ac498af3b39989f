// The --transport-security flag shared by the commands that start a job, and how it reaches the workers.

import { Option } from 'commander';
import { TRANSPORT_SECURITY_ENV, TRANSPORT_SECURITY_MODES, resolveTransportSecurity, type TransportSecurity } from '../comm/transport/security-mode.js';

export const TRANSPORT_SECURITY_HELP =
  'what protects peer links after the handshake: encrypt (AES-256-GCM, default), integrity (GMAC: in clear but tamper-evident) ' +
  `or none (trusted networks only); default $${TRANSPORT_SECURITY_ENV}. Every rank must use the same mode`;

export function transportSecurityOption(): Option {
  return new Option('--transport-security <mode>', TRANSPORT_SECURITY_HELP).choices([...TRANSPORT_SECURITY_MODES]);
}

/** The mode of the flag, else of LION_CUB_TRANSPORT_SECURITY, else encrypt (InvalidArgumentError naming the flag or variable). */
export function transportSecurityFromFlag(flag: string | undefined): TransportSecurity {
  return resolveTransportSecurity(flag, process.env, '--transport-security');
}

/** The variable that carries `mode` to every worker of a launch. */
export function transportSecurityEnv(mode: TransportSecurity): Record<string, string> {
  return { [TRANSPORT_SECURITY_ENV]: mode };
}
