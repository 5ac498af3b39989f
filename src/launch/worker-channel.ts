// How a launcher and its workers talk: tagged JSON lines in the workers' output, and worker scripts beside their module.

/** A line of worker output as the launcher delivers it: `cut` marks a piece of an over-long line. */
export interface OutputLine {
  line: string;
  cut?: boolean;
}

/** Encodes values as `prefix + JSON` lines and recognises such lines among a worker's other output. */
export interface TaggedJsonLine<T> {
  readonly prefix: string;
  /** One line (no newline) carrying `value`. */
  encode(value: T): string;
  /**
   * The value a line carries, or undefined for anything else: a line without the prefix, a piece of a cut line,
   * or a tagged line whose rest is not a JSON object (worker text is never trusted to be well formed).
   */
  decode(output: string | OutputLine): T | undefined;
}

/** The tagged line format for one kind of value; the prefix should end in a space and be unique to it. */
export function taggedJsonLine<T>(prefix: string): TaggedJsonLine<T> {
  return {
    prefix,
    encode: (value) => `${prefix}${JSON.stringify(value)}`,
    decode: (output) => {
      const { line, cut = false } = typeof output === 'string' ? { line: output } : output;
      if (cut || !line.startsWith(prefix)) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(line.slice(prefix.length));
      } catch {
        return undefined;
      }
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as T) : undefined;
    },
  };
}

/**
 * URL of the script `name` in the folder of the module at `moduleUrl` (pass `import.meta.url`), with that module's
 * extension: `.ts` when running from source under tsx, `.js` once compiled.
 */
export function siblingScriptUrl(name: string, moduleUrl: string): URL {
  return new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl);
}
