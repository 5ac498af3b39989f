// Chooses and initialises the TensorFlow.js backend: wasm (SIMD, single thread) by default, cpu as fallback.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf.js';
import { installTransposedMatMulOverride, uninstallTransposedMatMulOverride } from './matmul-override.js';
import { installColumnSum, uninstallColumnSum } from './wasm-column-sum.js';
import { installAliasingIdentity, uninstallAliasingIdentity } from './wasm-identity.js';
import { shareKernelMemoryWithWasmHeap } from './wasm-shared-heap.js';
import { InvalidArgumentError, LionCubError } from '../errors.js';

export const BACKEND_NAMES = ['wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendOptions {
  /** Which backend to use; default 'wasm'. */
  backend?: BackendName;
  /** When the wasm backend fails to initialise, use cpu instead of throwing. Default true. */
  fallbackToCpu?: boolean;
  /**
   * Re-register the wasm matmul kernels so every product of a dense layer runs on lion-cub's kernels
   * (matmul-override.ts), Identity shares its input instead of copying it (wasm-identity.ts), and sums over the
   * rows of a matrix (bias gradients) read it in place (wasm-column-sum.ts). Default true.
   */
  fastTransposedMatMul?: boolean;
  /**
   * tfjs production mode: skips tfjs's per-op debug checks and its console banner about tfjs-node.
   * Default true. Turning it off does not turn it back on once set (tfjs flags are process-wide).
   */
  prodMode?: boolean;
  /**
   * Folder holding tfjs-backend-wasm's .wasm binaries (trailing slash optional); default the
   * installed package's dist/ (wasmBinaryDirectory()). Read once: tfjs fixes the path when the
   * wasm backend first initialises, so later values are ignored.
   */
  wasmDirectory?: string;
}

export interface BackendInfo {
  /** The backend actually active. */
  name: BackendName;
  /** Set when `backend` was wasm but cpu is running instead; says why. */
  fallbackReason?: string;
  /** Whether the transposed-matmul override is active (wasm only). */
  fastTransposedMatMul: boolean;
  /** Whether the wasm binary with SIMD was chosen (false on cpu). */
  simd: boolean;
  /**
   * Whether lion-cub's kernel memory lives on the wasm backend's heap, so a model's variables can be views of the
   * flat parameters (FlatParams.bind). False on cpu, with LION_CUB_SHARED_HEAP=off, or when kernel memory was
   * already in use before the backend started (then parameters are copied into the variables each step).
   */
  sharedHeap: boolean;
}

let wasmPathsSet = false;

/** Absolute directory (with trailing slash) holding the .wasm binaries of @tensorflow/tfjs-backend-wasm. */
export function wasmBinaryDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(packageJson), 'dist') + '/';
}

/**
 * Makes `options.backend` the active tfjs backend and waits until it is ready.
 * The wasm binaries are read from the installed package by file path (never fetched);
 * Node has no wasm threads in tfjs, so the backend runs single-threaded with SIMD.
 * Can be called again to switch backends (tests and benchmarks do).
 * Throws InvalidArgumentError for an unknown backend name, LionCubError `backend_unavailable`
 * when the requested backend cannot start and no fallback is allowed.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const { backend = 'wasm', fallbackToCpu = true, fastTransposedMatMul = true, prodMode = true } = options;
  const wasmDirectory = options.wasmDirectory === undefined ? wasmBinaryDirectory() : withSlash(options.wasmDirectory);
  if (!BACKEND_NAMES.includes(backend)) {
    throw new InvalidArgumentError('backend', backend, `one of ${BACKEND_NAMES.join(', ')}`);
  }
  if (prodMode) tf.enableProdMode();

  if (backend === 'wasm') {
    const failure = await tryWasm(wasmDirectory);
    if (failure === null) {
      if (fastTransposedMatMul) {
        installTransposedMatMulOverride('wasm');
        installAliasingIdentity('wasm');
        installColumnSum('wasm');
      } else {
        uninstallTransposedMatMulOverride('wasm');
        uninstallAliasingIdentity('wasm');
        uninstallColumnSum('wasm');
      }
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      return { name: 'wasm', fastTransposedMatMul, simd, sharedHeap: shareKernelMemoryWithWasmHeap() };
    }
    if (!fallbackToCpu) throw new LionCubError('backend_unavailable', `tfjs wasm backend failed to start: ${failure}`);
    await activate('cpu');
    return { name: 'cpu', fallbackReason: failure, fastTransposedMatMul: false, simd: false, sharedHeap: false };
  }
  await activate('cpu');
  return { name: 'cpu', fastTransposedMatMul: false, simd: false, sharedHeap: false };
}

/** The active backend's name as lion-cub knows it. */
export function activeBackend(): string {
  return tf.getBackend();
}

function withSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}

async function tryWasm(dir: string): Promise<string | null> {
  if (!existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm')) && !existsSync(join(dir, 'tfjs-backend-wasm.wasm'))) {
    return `no .wasm binaries in ${dir}`;
  }
  if (!wasmPathsSet) {
    // Both calls are only legal before the backend first initialises.
    setWasmPaths(dir);
    setThreadsCount(1);
    wasmPathsSet = true;
  }
  try {
    return (await withoutProcessHandlersAdded(() => activate('wasm'))) ? null : 'tf.setBackend("wasm") returned false';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const PROCESS_ERROR_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `body`, then removes the uncaughtException / unhandledRejection listeners it added. The wasm module's
 * Emscripten glue installs listeners that rethrow every uncaught error from inside its one-line minified file:
 * Node then prints that ~30 KB line before the error and exits with status 7 instead of 1. Without them an
 * uncaught error is reported (and the process exits) the way Node normally does.
 */
async function withoutProcessHandlersAdded<T>(body: () => Promise<T>): Promise<T> {
  const listeners = (event: string): unknown[] => process.listeners(event as 'uncaughtException');
  const before = new Map(PROCESS_ERROR_EVENTS.map((event) => [event, new Set(listeners(event))]));
  try {
    return await body();
  } finally {
    for (const event of PROCESS_ERROR_EVENTS) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as () => void);
      }
    }
  }
}

async function activate(name: BackendName): Promise<boolean> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name;
}
