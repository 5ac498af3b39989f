// The job key: the token checked for guessability, then stretched with scrypt and a per-job salt.
//
// Whoever takes part in one handshake (or plays acceptor on MASTER_PORT before rank 0 binds it) holds
// an HMAC computed from the key, which it can test token guesses against offline. Stretching makes
// every guess cost a scrypt evaluation (32 MiB, tens of milliseconds), and the salt ties that work to
// one job's world size and port, so no table computed in advance applies. Tokens made by
// generateJobToken carry 256 random bits and are out of reach either way; user tokens must look
// random enough (tokenWeakness) for the stretching to matter.

import { scryptSync } from 'node:crypto';

/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB of memory per evaluation). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 } as const;

/** Estimated bits a user token must carry (see tokenWeakness). */
export const MIN_TOKEN_BITS = 80;

/** Distinct characters a user token must contain. */
const MIN_DISTINCT_CHARACTERS = 10;

/**
 * Why `token` is too easy to guess, or null. A coarse estimate: length × log2 of the character pool
 * its classes span (lowercase, uppercase, digits, others), which must reach MIN_TOKEN_BITS, and at
 * least 10 distinct characters. `openssl rand -hex 16` (165 bits by this count) passes; 16 lowercase
 * letters (75 bits), which a dictionary can hold, do not.
 */
export function tokenWeakness(token: string): string | null {
  const chars = [...token];
  const pool = (/[a-z]/.test(token) ? 26 : 0) + (/[A-Z]/.test(token) ? 26 : 0) + (/[0-9]/.test(token) ? 10 : 0) + (/[^a-zA-Z0-9]/.test(token) ? 33 : 0);
  const bits = chars.length * Math.log2(Math.max(pool, 1));
  const distinct = new Set(chars).size;
  if (distinct < MIN_DISTINCT_CHARACTERS) return `only ${distinct} distinct characters`;
  if (bits < MIN_TOKEN_BITS) return `about ${Math.floor(bits)} bits by length and character classes, under ${MIN_TOKEN_BITS}`;
  return null;
}

/** The salt of a job: what every rank knows before any connection (world size and rendezvous port). */
export function jobSalt(worldSize: number, masterPort: number): string {
  return `lion-cub job key v1 world=${worldSize} port=${masterPort}`;
}

const cache = new Map<string, Buffer>();

/** scrypt(token, salt) → 32-byte key for the handshake and record keys; computed once per (token, salt) in a process. */
export function stretchJobToken(token: Uint8Array, salt: string): Buffer {
  const id = `${Buffer.from(token).toString('base64')}\u0000${salt}`;
  let key = cache.get(id);
  if (key === undefined) {
    key = scryptSync(token, salt, 32, SCRYPT);
    cache.set(id, key);
  }
  return key;
}
