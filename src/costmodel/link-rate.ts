// Link rates for the cost model: "100mbit" … "400gbit" in Gbit/s, beyond what this machine can emulate.

import { InvalidArgumentError } from '../errors.js';

const UNIT_GBIT: Record<string, number> = { kbit: 1e-6, mbit: 1e-3, gbit: 1, tbit: 1e3 };

/** Link rates of `lion-cub model --sweep`. */
export const SWEEP_LINKS: readonly string[] = ['100mbit', '1gbit', '10gbit', '25gbit', '100gbit', '400gbit'];

/**
 * "100mbit" → 0.1, "25gbit" → 25, "1.6tbit" → 1600 (decimal units as tc writes them, case-insensitive).
 * Unlike the emulator's parseRate there is no 100 Gbit/s ceiling: the model predicts links this machine cannot
 * shape. Throws InvalidArgumentError (`field`) for anything else or a rate outside [1 mbit, 10 tbit].
 */
export function parseLinkGbit(text: string, field = '--link'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(kbit|mbit|gbit|tbit)\s*$/i.exec(String(text));
  const expectation = 'a link rate such as 100mbit, 1gbit, 25gbit or 400gbit (units kbit, mbit, gbit, tbit), from 1mbit to 10tbit';
  if (!m) throw new InvalidArgumentError(field, text, expectation);
  const gbit = Number(m[1]) * UNIT_GBIT[m[2].toLowerCase()];
  if (!(gbit >= 1e-3 && gbit <= 1e4)) throw new InvalidArgumentError(field, text, expectation);
  return gbit;
}

/** 0.1 → "100mbit", 25 → "25gbit", 1600 → "1.6tbit". */
export function formatLinkGbit(gbit: number): string {
  if (gbit >= 1e3) return `${round(gbit / 1e3)}tbit`;
  if (gbit >= 1) return `${round(gbit)}gbit`;
  return `${round(gbit * 1e3)}mbit`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
