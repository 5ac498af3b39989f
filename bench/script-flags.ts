// Flags of the one-off measurement scripts in bench/: `--name value` pairs read from argv (the CLI's commands use commander).

/** The value after `name` in `argv`, or `fallback` when the flag is absent or has no value after it. */
export function flagValue(argv: readonly string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

/** The integer after `name` (or `fallback`); throws an Error naming the flag unless it is in 1..max. */
export function countFlag(argv: readonly string[], name: string, fallback: number, max: number): number {
  const value = Number(flagValue(argv, name, String(fallback)));
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name}: an integer in 1..${max}, got ${flagValue(argv, name, String(fallback))}`);
  return value;
}
