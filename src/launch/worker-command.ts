// Builds the command line of one worker: node (with a TypeScript loader for .ts scripts), a parent
// watchdog and the heartbeat, the script, and optionally `ip netns exec` in front to run it inside a network namespace.

import { LionCubError } from '../errors.js';
import { HEARTBEAT_PRELOAD_IMPORT } from './heartbeat.js';

/**
 * Preloaded into every worker. If the launcher dies without a chance to stop its workers (SIGKILL,
 * OOM killer), the worker is re-parented and its parent pid changes; it then SIGKILLs its own process
 * group (it leads one: workers are spawned detached), taking anything it started with it. No grace
 * period: with the launcher gone the output pipes are broken and nobody is left to wait for the job.
 * Checked twice a second on an unref'd timer, so it never keeps a worker alive. `ip netns exec` execs
 * in place (no fork), so the parent seen by the worker is the launcher in both modes.
 */
const PARENT_WATCHDOG_SOURCE = [
  'const parentPid = process.ppid;',
  'setInterval(() => {',
  "  if (process.ppid !== parentPid) process.kill(-process.pid, 'SIGKILL');",
  '}, 500).unref();',
].join('\n');

export const PARENT_WATCHDOG_IMPORT = `data:text/javascript,${encodeURIComponent(PARENT_WATCHDOG_SOURCE)}`;

/** The option Node before 22 needs to run wasm relaxed SIMD, which the dense-layer kernels use when they can. */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/** Node before 22 (V8 before 11.4) ships relaxed SIMD off, behind RELAXED_SIMD_FLAG. */
export function nodeNeedsRelaxedSimdFlag(version: string = process.versions.node): boolean {
  return Number(version.split('.')[0]) < 22;
}

/** Raised when a .ts worker script is given but the TypeScript loader (tsx) cannot be found. */
export class TypeScriptLoaderMissingError extends LionCubError {
  constructor(script: string, cause: unknown) {
    super('tsx_missing', `worker script ${JSON.stringify(script)} is TypeScript but the "tsx" loader could not be resolved; install tsx or compile the script to .js`, { cause });
  }
}

export interface WorkerCommand {
  command: string;
  args: string[];
}

/** True when the script must be loaded through tsx. */
export function isTypeScriptScript(script: string): boolean {
  return /\.(c|m)?ts$/.test(script);
}

function tsxLoaderSpecifier(script: string): string {
  try {
    // Resolved from this package, not from the worker's cwd, so a user's directory needs no tsx of its own.
    return import.meta.resolve('tsx');
  } catch (err) {
    throw new TypeScriptLoaderMissingError(script, err);
  }
}

/**
 * `node [relaxed SIMD flag] [...nodeFlags] [--import tsx] --import <watchdog> --import <heartbeat> script ...args`, prefixed with `ip netns exec <netns>`
 * when a namespace is given. Throws TypeScriptLoaderMissingError for a .ts script without tsx installed.
 */
export function workerCommand(script: string, scriptArgs: readonly string[], netns?: string, nodeFlags: readonly string[] = []): WorkerCommand {
  // Relaxed SIMD lets the dense-layer kernels (src/kernels/gemm.ts) use fused multiply-adds.
  const nodeArgs: string[] = nodeNeedsRelaxedSimdFlag() ? [RELAXED_SIMD_FLAG, ...nodeFlags] : [...nodeFlags];
  if (isTypeScriptScript(script)) nodeArgs.push('--import', tsxLoaderSpecifier(script));
  nodeArgs.push('--import', PARENT_WATCHDOG_IMPORT, '--import', HEARTBEAT_PRELOAD_IMPORT, script, ...scriptArgs);
  if (netns === undefined) return { command: process.execPath, args: nodeArgs };
  return { command: 'ip', args: ['netns', 'exec', netns, process.execPath, ...nodeArgs] };
}

/**
 * Node flags that write a V8 CPU profile of one worker when it exits: `<dir>/rank-<rank>.cpuprofile`
 * (open it in Chrome DevTools or speedscope). Node refuses --cpu-prof in NODE_OPTIONS, hence a flag per worker.
 */
export function cpuProfileFlags(dir: string, rank: number): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=rank-${rank}.cpuprofile`];
}
