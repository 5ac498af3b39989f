// Identity on the wasm backend as a shared reference instead of a copy, as tfjs's cpu backend does it.
//
// tfjs saves the inputs a gradient needs by cloning them (Engine.saveTensorsForBackwardMode → clone →
// the Identity kernel), and tfjs-backend-wasm's Identity copies the data into a new buffer: every training
// step copied every weight matrix once (a 2048×1024 layer: 8 MiB, 1–10 ms here, bench compute's split).
// The replacement increments the buffer's reference count and returns the same data, which is safe because
// no wasm kernel writes into its inputs; writers that change a buffer in place (wasm-tensor-memory.ts) only
// touch buffers with one reference.

import { kernelReplacement, type KernelFunc } from './kernel-replacement.js';

interface RefCountingBackend { incRef(dataId: object): void }

const aliasingIdentity: KernelFunc = ({ inputs, backend }) => {
  const x = (inputs as unknown as { x: { dataId: object; shape: number[]; dtype: string } }).x;
  (backend as unknown as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype } as unknown as ReturnType<KernelFunc>;
};

const replacement = kernelReplacement('Identity', () => aliasingIdentity);

/** Registers the aliasing Identity for `backendName` (default 'wasm'); idempotent; false when it has none. */
export function installAliasingIdentity(backendName = 'wasm'): boolean {
  return replacement.install(backendName);
}

/** Puts the backend's own Identity back. */
export function uninstallAliasingIdentity(backendName = 'wasm'): void {
  replacement.uninstall(backendName);
}
