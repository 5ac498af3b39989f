// How a launcher and its workers talk: tagged JSON lines in the workers' output, and worker scripts beside their module.

/** Encodes values as `prefix + JSON` lines and recognises such lines among a worker's other output. */
export interface TaggedJsonLine<T> {
  readonly prefix: string;
  /** One line (no newline) carrying `value`. */
  encode(value: T): string;
  /** The value a line carries, or undefined for a line without the prefix. */
  decode(line: string): T | undefined;
}

/** The tagged line format for one kind of value; the prefix should end in a space and be unique to it. */
export function taggedJsonLine<T>(prefix: string): TaggedJsonLine<T> {
  return {
    prefix,
    encode: (value) => `${prefix}${JSON.stringify(value)}`,
    decode: (line) => (line.startsWith(prefix) ? (JSON.parse(line.slice(prefix.length)) as T) : undefined),
  };
}

/**
 * URL of the script `name` in the folder of the module at `moduleUrl` (pass `import.meta.url`), with that module's
 * extension: `.ts` when running from source under tsx, `.js` once compiled.
 */
export function siblingScriptUrl(name: string, moduleUrl: string): URL {
  return new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl);
}
