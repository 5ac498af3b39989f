// Puts a kernel of lion-cub's in place of a backend's registered kernel, and the backend's own back again.

import { tf } from './tf.js';

export type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
export type KernelFunc = KernelConfig['kernelFunc'];

/** install / uninstall of one replacement, per backend. */
export interface KernelReplacement {
  /** Registers the replacement for `backendName`; idempotent; false when the backend has no such kernel. */
  install(backendName: string): boolean;
  /** Puts the backend's own kernel back. */
  uninstall(backendName: string): void;
}

/** A replacement of `kernelName`: `replace` gets the backend's own kernel function (to fall back on) and returns the new one. */
export function kernelReplacement(kernelName: string, replace: (original: KernelFunc) => KernelFunc): KernelReplacement {
  const originals = new Map<string, KernelConfig>();
  return {
    install(backendName) {
      if (originals.has(backendName)) return true;
      const original = tf.getKernel(kernelName, backendName);
      if (!original) return false;
      originals.set(backendName, original);
      tf.unregisterKernel(kernelName, backendName);
      tf.registerKernel({ ...original, kernelFunc: replace(original.kernelFunc) });
      return true;
    },
    uninstall(backendName) {
      const original = originals.get(backendName);
      if (!original) return;
      tf.unregisterKernel(kernelName, backendName);
      tf.registerKernel(original);
      originals.delete(backendName);
    },
  };
}
