// The transport security switch: its modes, its environment variable, and how an option or the variable picks one.

import { InvalidArgumentError } from '../../errors.js';

/**
 * What protects the bytes after the handshake: `encrypt` (AES-256-GCM records: confidential and
 * authenticated; the default), `integrity` (GMAC records: in clear, but any change is detected),
 * `none` (plain frames, for trusted fabrics only).
 */
export type TransportSecurity = 'encrypt' | 'integrity' | 'none';
/** Values of LION_CUB_TRANSPORT_SECURITY, the protection of the wire. */
export const TRANSPORT_SECURITY_MODES: readonly TransportSecurity[] = ['encrypt', 'integrity', 'none'];

/** Environment variable a launcher sets for every worker (the CLI's --transport-security). */
export const TRANSPORT_SECURITY_ENV = 'LION_CUB_TRANSPORT_SECURITY';

/** Whether `value` names a mode. */
export function isTransportSecurity(value: unknown): value is TransportSecurity {
  return typeof value === 'string' && (TRANSPORT_SECURITY_MODES as readonly string[]).includes(value);
}

/**
 * The mode from `explicit` (named `field` in errors), else LION_CUB_TRANSPORT_SECURITY of `env`, else
 * `encrypt`. Throws InvalidArgumentError naming the option or variable for any other value.
 */
export function resolveTransportSecurity(explicit: unknown, env: NodeJS.ProcessEnv = process.env, field = 'transportSecurity'): TransportSecurity {
  const [name, value] = explicit !== undefined ? [field, explicit] : [TRANSPORT_SECURITY_ENV, env[TRANSPORT_SECURITY_ENV] ?? 'encrypt'];
  if (!isTransportSecurity(value)) throw new InvalidArgumentError(name, value, `one of ${TRANSPORT_SECURITY_MODES.join(', ')} (the same on every rank)`);
  return value;
}

/** The warning printed once per job when the wire is left unprotected. */
export const SECURITY_NONE_WARNING =
  'transport security is off (none): frames after the handshake are neither encrypted nor authenticated, ' +
  'so any host on the network path can read and alter them; use it only on a network you trust';
