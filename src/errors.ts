// The one base error class of lion-cub, the user-input error, and the check every time limit goes through; subsystems derive their own errors.

/** Base class of every error lion-cub throws on purpose. `code` is stable and safe to switch on. */
export class LionCubError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A value supplied by the user (option, flag, file, buffer length) is invalid.
 * `field` names what was wrong, `value` is what was given; the message says what to do.
 */
export class InvalidArgumentError extends LionCubError {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expectation: string) {
    super('invalid_argument', `${field}: got ${formatValue(value)}, expected ${expectation}`);
    this.field = field;
    this.value = value;
  }
}

/** The longest delay a Node timer can hold (about 24.8 days): a longer one fires at once instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A time limit in milliseconds given by a user (option, flag, config): a number > 0 (>= 0 with `allowZero`),
 * cut to MAX_TIMER_MS, so that a huge value or Infinity means "as long as a timer can wait" instead of "now".
 * Throws InvalidArgumentError naming `field` for anything else (NaN, negative, not a number).
 */
export function checkTimeoutMs(field: string, value: unknown, options: { allowZero?: boolean } = {}): number {
  const valid = typeof value === 'number' && (options.allowZero ? value >= 0 : value > 0);
  if (!valid) throw new InvalidArgumentError(field, value, `a number of milliseconds ${options.allowZero ? '>= 0' : '> 0'} (limits above ${MAX_TIMER_MS} are cut to it)`);
  return Math.min(value, MAX_TIMER_MS);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(length ${(value as unknown as { length: number }).length})`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
