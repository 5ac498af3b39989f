// The configuration fingerprint every rank publishes at rendezvous, and the check that all ranks agree.

import { InvalidArgumentError } from '../../errors.js';
import { MismatchError } from '../errors.js';
import { PROTOCOL_VERSION } from '../transport/frame.js';

export type FingerprintValue = string | number | boolean | null;

/** Flat field → value map; JSON-serialisable so it travels through the store as is. */
export type ConfigFingerprint = Readonly<Record<string, FingerprintValue>>;

/** Fields lion-cub fills in itself; callers may not override them. */
const BUILT_IN = ['worldSize', 'protocolVersion'] as const;

/**
 * The fingerprint of this rank: world size and protocol version, plus caller fields (e.g. numParams,
 * strategy, chunkBytes). Throws InvalidArgumentError when a caller field reuses a built-in name or
 * holds something other than a string, finite number, boolean or null.
 */
export function makeFingerprint(worldSize: number, fields: Readonly<Record<string, FingerprintValue>> = {}): ConfigFingerprint {
  for (const [key, value] of Object.entries(fields)) {
    if ((BUILT_IN as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(`fingerprint.${key}`, value, `a field name other than ${BUILT_IN.join(' and ')}, which lion-cub sets itself`);
    }
    const ok = value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw new InvalidArgumentError(`fingerprint.${key}`, value, 'a string, finite number, boolean or null');
  }
  return { worldSize, protocolVersion: PROTOCOL_VERSION, ...fields };
}

/** One field on which ranks disagree: each distinct value with the ranks holding it (undefined = field absent). */
export interface FingerprintDifference {
  field: string;
  values: Array<{ value: FingerprintValue | undefined; ranks: number[] }>;
}

/** Every field whose value is not the same on all ranks, in field-name order. */
export function diffFingerprints(byRank: readonly ConfigFingerprint[]): FingerprintDifference[] {
  const fields = [...new Set(byRank.flatMap((f) => Object.keys(f)))].sort();
  const differences: FingerprintDifference[] = [];
  for (const field of fields) {
    const groups = new Map<string, { value: FingerprintValue | undefined; ranks: number[] }>();
    byRank.forEach((fingerprint, rank) => {
      const value = Object.hasOwn(fingerprint, field) ? fingerprint[field] : undefined;
      const key = value === undefined ? 'undefined' : JSON.stringify(value);
      const group = groups.get(key) ?? { value, ranks: [] };
      group.ranks.push(rank);
      groups.set(key, group);
    });
    if (groups.size > 1) differences.push({ field, values: [...groups.values()] });
  }
  return differences;
}

/** A configuration disagreement found at rendezvous; `differences` lists every field concerned. */
export class ConfigMismatchError extends MismatchError {
  readonly differences: readonly FingerprintDifference[];
  constructor(message: string, differences: readonly FingerprintDifference[], rank: number) {
    super(message, { op: 'rendezvous', rank });
    this.differences = differences;
  }
}

/**
 * Throws ConfigMismatchError (code `mismatch`) when the fingerprints differ, naming each field and
 * which ranks hold which value. Every rank runs it on the same gathered list, so every rank throws
 * the same message.
 */
export function assertFingerprintsAgree(byRank: readonly ConfigFingerprint[], rank: number): void {
  const differences = diffFingerprints(byRank);
  if (differences.length === 0) return;
  const text = differences.map((d) => `${d.field}: ${d.values.map((v) =>
    `${v.value === undefined ? '(missing)' : JSON.stringify(v.value)} on rank${v.ranks.length > 1 ? 's' : ''} ${v.ranks.join(', ')}`).join('; ')}`).join(' | ');
  throw new ConfigMismatchError(`the ranks were started with different configurations: ${text}. Start every rank with the same settings`, differences, rank);
}
