// Runs the iproute2 tools (`ip`, `tc`) with a timeout, and checks that this machine can emulate a network.

import { execFile } from 'node:child_process';
import { NetemCommandError, NetemUnavailableError } from './errors.js';

/** Upper bound for one ip/tc invocation; they normally take milliseconds. */
const COMMAND_TIMEOUT_MS = 15_000;

/** Runs `command ...args`, resolves with its stdout; rejects with NetemCommandError carrying stderr. */
export function runTool(command: 'ip' | 'tc', args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const line = [command, ...args].join(' ');
        const detail = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} not found (install iproute2)` : stderr || err.message;
        reject(new NetemCommandError(line, detail, { cause: err }));
      } else {
        resolve(stdout);
      }
    });
  });
}

/**
 * Throws NetemUnavailableError naming the first missing requirement: Linux, root (creating network
 * namespaces needs CAP_SYS_ADMIN and CAP_NET_ADMIN), then iproute2's `ip` and `tc` on the PATH.
 */
export async function checkNetemSupport(): Promise<void> {
  if (process.platform !== 'linux') throw new NetemUnavailableError('linux', `network namespaces need Linux, this is ${process.platform}`);
  if (process.getuid?.() !== 0) throw new NetemUnavailableError('root', 'creating network namespaces needs root; run as root (e.g. sudo) or drop --netem');
  for (const tool of ['ip', 'tc'] as const) {
    try {
      await runTool(tool, ['-V']);
    } catch {
      throw new NetemUnavailableError('iproute2', `"${tool}" from iproute2 is not on the PATH; install it (Debian/Ubuntu: apt-get install iproute2)`);
    }
  }
}
