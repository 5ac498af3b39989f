// Workloads from the user's own modules: `--workload ./my-workload.js` names a file exporting a Workload.
//
// The module's content hash (sha256) travels in the configuration: every rank checks that the file it loads
// is the one the run was configured with, ranks compare it at rendezvous, and checkpoints record it, so ranks
// or a resume running a different version of the module fail naming it instead of training something else.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { getWorkload, workloadNames } from './registry.js';
import type { Workload } from './workload.js';

const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts'];

/** Whether a workload spec names a module file rather than a built-in workload. */
export function isWorkloadModulePath(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || spec.includes('/') || spec.includes('\\') || MODULE_EXTENSIONS.includes(extname(spec));
}

/** A workload module resolved against the working directory, with its content hash. */
export interface WorkloadModuleRef {
  path: string;
  sha256: string;
}

/** Absolute path and sha256 of the module file `spec`. Throws InvalidArgumentError when it cannot be read. */
export function workloadModuleRef(spec: string): WorkloadModuleRef {
  const path = resolve(spec);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new InvalidArgumentError('workload', spec, `one of ${workloadNames().join(', ')} or a readable workload module file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * The workload a configuration names: a built-in by name, or the module at `spec` whose content must hash to
 * `sha256`. The module exports the workload as `default` or as `workload`. Throws InvalidArgumentError when
 * the file changed since the run was configured, cannot be imported, or exports no workload.
 */
export async function loadWorkload(spec: string, sha256: string | null): Promise<Workload<object>> {
  if (!isWorkloadModulePath(spec)) return getWorkload(spec);
  const ref = workloadModuleRef(spec);
  if (sha256 !== null && ref.sha256 !== sha256) {
    throw new InvalidArgumentError('workload module', ref.path, `the file the run was configured with (sha256 ${sha256}); it now hashes to ${ref.sha256}: every rank and every resume must run the same module`);
  }
  let exports: Record<string, unknown>;
  try {
    exports = await import(pathToFileURL(ref.path).href) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError('workload module', ref.path, `a module Node can import (${(error as Error).message})`);
  }
  const candidate = exports.default ?? exports.workload;
  const missing = missingMembers(candidate);
  if (missing.length > 0) {
    throw new InvalidArgumentError('workload module', ref.path, `a module exporting a workload (default export or \`workload\`) with name, createModel, loadData, loss, metric and evaluate; missing: ${missing.join(', ')}`);
  }
  return candidate as Workload<object>;
}

function missingMembers(candidate: unknown): string[] {
  if (candidate === null || typeof candidate !== 'object') return ['the workload object'];
  const w = candidate as Record<string, unknown>;
  const missing: string[] = [];
  if (typeof w.name !== 'string' || w.name.length === 0) missing.push('name');
  for (const method of ['createModel', 'loadData', 'loss', 'metric', 'evaluate']) {
    if (typeof w[method] !== 'function') missing.push(method);
  }
  return missing;
}
