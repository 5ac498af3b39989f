// The part of the WebAssembly JS API that lion-cub uses. Node provides it at run time, but
// @types/node does not declare it (only lib.dom does, which would bring in browser globals).

declare namespace WebAssembly {
  interface MemoryDescriptor { initial: number; maximum?: number; shared?: boolean }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    grow(deltaPages: number): number;
  }
  type ExportValue = ((...args: never[]) => unknown) | Memory | Global;
  type Exports = Record<string, ExportValue>;
  type ImportValue = ExportValue | number;
  type Imports = Record<string, Record<string, ImportValue | ((...args: never[]) => unknown)>>;
  class Global { value: unknown }
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
}
