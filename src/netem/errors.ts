// Typed errors of the emulated-Ethernet setup: what is missing on this machine, or which command failed.

import { LionCubError } from '../errors.js';

/** What prevents network emulation here. */
export type NetemRequirement = 'root' | 'iproute2' | 'linux';

/** Network emulation needs Linux, root (to create namespaces) and iproute2 (`ip`, `tc`). `missing` names the first absent one. */
export class NetemUnavailableError extends LionCubError {
  readonly missing: NetemRequirement;
  constructor(missing: NetemRequirement, detail: string) {
    super('netem_unavailable', `network emulation (--netem) is unavailable: ${detail}`);
    this.missing = missing;
  }
}

/** An `ip` or `tc` command failed; carries the command line and its stderr. */
export class NetemCommandError extends LionCubError {
  readonly command: string;
  readonly stderr: string;
  constructor(command: string, stderr: string, options?: { cause?: unknown }) {
    super('netem_failed', `"${command}" failed: ${stderr.trim() || 'no error output'}`, options);
    this.command = command;
    this.stderr = stderr;
  }
}

/** The single-stream throughput probe between two namespaces did not produce a result. */
export class LinkProbeError extends LionCubError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('link_probe_failed', message, options);
  }
}
