// The one base error class of lion-cub and the user-input error; subsystems derive their own.

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
