// Finds and deletes namespaces left behind by lion-cub jobs whose process is gone (e.g. killed with SIGKILL).

import { parseNamespaceName } from './names.js';
import { deleteNamespaces, listNamespaces } from './topology.js';

export interface SweepOptions {
  /** Delete every lion-cub namespace, including those of running jobs. Default false. */
  all?: boolean;
}

export interface SweepResult {
  deleted: string[];
  /** Namespaces that matched but could not be deleted. */
  failed: string[];
  /** lion-cub namespaces left alone because their job is still running. */
  kept: string[];
}

/** True while a process with this pid exists (signal 0 checks existence without delivering anything). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes `lc<pid>x<seq>-…` namespaces whose creating pid no longer runs (or all of them with `all`).
 * Names that do not follow lion-cub's pattern are never touched. A recycled pid keeps a dead job's
 * namespaces alive until that process exits; `all` removes them regardless.
 * Throws NetemCommandError if the namespaces cannot be listed.
 */
export async function sweepStaleNamespaces({ all = false }: SweepOptions = {}): Promise<SweepResult> {
  const stale: string[] = [];
  const kept: string[] = [];
  for (const name of await listNamespaces()) {
    const parsed = parseNamespaceName(name);
    if (!parsed) continue;
    if (all || !processAlive(parsed.ownerPid)) stale.push(name);
    else kept.push(name);
  }
  const failed = await deleteNamespaces(stale);
  return { deleted: stale.filter((n) => !failed.includes(n)), failed, kept };
}
