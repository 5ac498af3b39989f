// Parses and formats link rates in tc's units (bit, kbit, mbit, gbit; decimal multiples).

import { InvalidArgumentError } from '../errors.js';

const UNIT_BITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** Lowest rate accepted: below this a single MTU-sized frame takes tens of milliseconds and timeouts dominate. */
export const MIN_RATE_BITS_PER_SEC = 1e6;
/** Highest rate accepted: well above what veth pairs can carry on one core, where shaping no longer binds. */
export const MAX_RATE_BITS_PER_SEC = 100e9;

/**
 * "100mbit" → 100_000_000 (bits per second). Units are tc's decimal ones: kbit = 10^3, mbit = 10^6, gbit = 10^9,
 * case-insensitive; fractions such as "2.5gbit" are allowed. Throws InvalidArgumentError (field `field`) for
 * anything else or a rate outside [1 mbit, 100 gbit].
 */
export function parseRate(text: string, field = '--netem'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)\s*$/i.exec(text);
  const expectation = 'a link rate such as 100mbit, 1gbit or 10gbit (units bit, kbit, mbit, gbit), between 1mbit and 100gbit';
  if (!m) throw new InvalidArgumentError(field, text, expectation);
  const bitsPerSec = Math.round(Number(m[1]) * UNIT_BITS[m[2].toLowerCase()]);
  if (!(bitsPerSec >= MIN_RATE_BITS_PER_SEC && bitsPerSec <= MAX_RATE_BITS_PER_SEC)) throw new InvalidArgumentError(field, text, expectation);
  return bitsPerSec;
}

/** 1e9 → "1gbit", 2.5e9 → "2.5gbit", 50e6 → "50mbit": the largest unit that keeps the number short. */
export function formatRate(bitsPerSec: number): string {
  for (const unit of ['gbit', 'mbit', 'kbit'] as const) {
    const scaled = bitsPerSec / UNIT_BITS[unit];
    if (scaled >= 1) return `${Math.round(scaled * 1000) / 1000}${unit}`;
  }
  return `${bitsPerSec}bit`;
}
