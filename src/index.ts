// Public API of the lion-cub package.

export { LionCubError, InvalidArgumentError } from './errors.js';
export { KernelMemory, KernelRegion } from './kernels/kernel-memory.js';
export { kernelMemory, wasmKernelsEnabled, setWasmKernelsEnabled } from './kernels/load.js';
