// A warning sink that cannot be flooded: a peer or a stray process triggering warnings in a loop prints a few, then a count.

/**
 * Wraps `write` so that at most `burst` messages pass per `windowMs`; the rest are counted, and the
 * first message of a later window is preceded by "N similar warnings suppressed". For onWarning
 * consumers that print refused handshakes and other events a remote party can cause at will.
 */
export function rateLimitedWarnings(write: (message: string) => void, { burst = 5, windowMs = 10_000, now = Date.now } = {}): (message: string) => void {
  let windowStart = -Infinity;
  let passed = 0;
  let suppressed = 0;
  return (message) => {
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      passed = 0;
      if (suppressed > 0) write(`${suppressed} more warning${suppressed === 1 ? '' : 's'} suppressed in the last ${Math.round(windowMs / 1000)} s or more`);
      suppressed = 0;
    }
    if (passed < burst) {
      passed++;
      write(message);
    } else {
      suppressed++;
    }
  };
}
