// The one WebAssembly.Memory shared by every wasm kernel module, and a small allocator over it.
//
// Hot kernels run in wasm and can only touch their own linear memory, so the
// big training buffers (parameters, momentum, gradients, packed codes) are
// allocated here; kernels then run on them in place, with no copy in or out.
// Growing a wasm memory detaches every view of the old ArrayBuffer, so callers
// hold `KernelRegion`s and ask them for views, which are re-created after a grow.
// The rule "take views again after every await" is enforced, not only documented: the memory remembers every
// buffer a grow retired, kernel wrappers reject views of one (canUseWasm), and code that lets a collective
// write into kernel views across an await checks them afterwards (checkLive).
// The memory can move onto another module's heap (hostOn: tfjs-backend-wasm's, so the flat parameters can be
// the model's variables); regions are then that heap's malloc blocks, and the heap also grows on its own.

import { InvalidArgumentError, LionCubError } from '../errors.js';

/**
 * Code `kernel_view_detached`: a view of kernel memory was used after the memory grew (some allocation ran
 * while the view was held, typically across an await); a detached view reads as empty and drops writes.
 */
export class KernelViewError extends LionCubError {
  constructor(readonly field: string) {
    super('kernel_view_detached',
      `${field} is a view of kernel memory taken before the memory grew: an allocation ran while it was held (across an await? or a tfjs operation, when kernel memory lives on tfjs's wasm heap). ` +
      'Take views from their KernelRegion again after every await, and allocate kernel memory before a step, not during it');
  }
}

const PAGE_BYTES = 65536;
/** wasm32 limit: 4 GiB. */
const MAX_PAGES = 65536;
/** Every region starts on a 64-byte boundary (cache line, and v128 loads are aligned). */
const ALIGN_BYTES = 64;
/** The first page stays unused so that offset 0 is never a valid region (catches null-pointer bugs). */
const HEAP_START = PAGE_BYTES;

interface FreeBlock { offset: number; byteLength: number }

/** Another module's heap that kernel memory can live on: its memory and its allocator. */
export interface HostHeap {
  readonly memory: WebAssembly.Memory;
  /** Returns a block of at least `bytes` bytes (0 when out of memory). */
  malloc(bytes: number): number;
  free(pointer: number): void;
}

/** A block of kernel memory. Views are valid until the next grow; ask again rather than caching them across allocations. */
export class KernelRegion {
  private cachedBuffer: ArrayBuffer | null = null;
  private cachedF32: Float32Array | null = null;
  private cachedU32: Uint32Array | null = null;
  private cachedI32: Int32Array | null = null;
  private cachedU8: Uint8Array | null = null;
  private cachedU16: Uint16Array | null = null;
  private cachedI8: Int8Array | null = null;
  freed = false;

  /** `hostPointer`: the host heap's block this region lies in (hosted memory only). */
  constructor(private readonly owner: KernelMemory, readonly offset: number, readonly byteLength: number, readonly hostPointer = 0) {}

  private refresh(): ArrayBuffer {
    if (this.freed) throw new Error('KernelRegion used after free');
    const buffer = this.owner.currentBuffer();
    if (buffer !== this.cachedBuffer) {
      this.cachedBuffer = buffer;
      this.cachedF32 = this.cachedU32 = this.cachedI32 = null;
      this.cachedU8 = this.cachedU16 = this.cachedI8 = null;
    }
    return buffer;
  }

  /** Float32 view over the whole region (byteLength / 4 elements). */
  f32(): Float32Array {
    const buffer = this.refresh();
    return (this.cachedF32 ??= new Float32Array(buffer, this.offset, this.byteLength >>> 2));
  }
  u32(): Uint32Array {
    const buffer = this.refresh();
    return (this.cachedU32 ??= new Uint32Array(buffer, this.offset, this.byteLength >>> 2));
  }
  i32(): Int32Array {
    const buffer = this.refresh();
    return (this.cachedI32 ??= new Int32Array(buffer, this.offset, this.byteLength >>> 2));
  }
  u8(): Uint8Array {
    const buffer = this.refresh();
    return (this.cachedU8 ??= new Uint8Array(buffer, this.offset, this.byteLength));
  }
  u16(): Uint16Array {
    const buffer = this.refresh();
    return (this.cachedU16 ??= new Uint16Array(buffer, this.offset, this.byteLength >>> 1));
  }
  i8(): Int8Array {
    const buffer = this.refresh();
    return (this.cachedI8 ??= new Int8Array(buffer, this.offset, this.byteLength));
  }
}

/** First-fit allocator with coalescing over a growable wasm memory. */
export class KernelMemory {
  private ownMemory: WebAssembly.Memory;
  private host: HostHeap | null = null;
  private hostedBytes = 0;
  /** The buffer views were last taken from; when the memory's buffer differs, this one was detached by a grow. */
  private seenBuffer: ArrayBuffer;
  private free: FreeBlock[] = [];
  private top = HEAP_START;
  /** Bytes below this were handed out before and may hold old data; above it the memory is as grown (zero). */
  private highWater = HEAP_START;
  /** Buffers detached by grows: a view over one of them is stale. */
  private readonly retired = new WeakSet<ArrayBuffer>();
  /** Number of grows so far; every grow detaches every view taken before it. */
  generation = 0;

  constructor(initialPages = 2) {
    this.ownMemory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES });
    this.seenBuffer = this.ownMemory.buffer;
  }

  /** The memory kernels are instantiated on: this object's own, or the host heap's after hostOn. */
  get memory(): WebAssembly.Memory {
    return this.host?.memory ?? this.ownMemory;
  }

  /** True when regions live on a host heap (hostOn). */
  get hosted(): boolean {
    return this.host !== null;
  }

  /**
   * Moves kernel memory onto `host`'s heap: later regions are malloc'd there, and kernel modules instantiated
   * afterwards run on it. Only possible while no region is in use (returns false otherwise, and when already
   * hosted); the caller must also make sure no kernel module was instantiated on the old memory.
   */
  hostOn(host: HostHeap): boolean {
    if (this.host !== null || this.bytesInUse !== 0) return false;
    this.retire(this.ownMemory.buffer);
    this.generation++;
    this.host = host;
    this.free = [];
    this.top = this.highWater = HEAP_START;
    this.seenBuffer = host.memory.buffer;
    return true;
  }

  /** The memory's buffer now; notices (and retires) a buffer detached by a grow nobody here made. */
  currentBuffer(): ArrayBuffer {
    const buffer = this.memory.buffer;
    if (buffer !== this.seenBuffer) {
      this.retire(this.seenBuffer);
      this.generation++;
      this.seenBuffer = buffer;
    }
    return buffer;
  }

  /** Allocates `byteLength` zero-filled bytes. Throws InvalidArgumentError beyond the 4 GiB wasm32 limit. */
  alloc(byteLength: number): KernelRegion {
    if (!Number.isInteger(byteLength) || byteLength < 0) {
      throw new InvalidArgumentError('byteLength', byteLength, 'a non-negative integer');
    }
    const size = Math.max(ALIGN_BYTES, roundUp(byteLength, ALIGN_BYTES));
    if (this.host !== null) return this.allocHosted(this.host, byteLength, size);
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block.byteLength < size) continue;
      const offset = block.offset;
      if (block.byteLength === size) this.free.splice(i, 1);
      else { block.offset += size; block.byteLength -= size; }
      new Uint8Array(this.memory.buffer, offset, size).fill(0);
      return new KernelRegion(this, offset, byteLength);
    }
    const offset = this.top;
    const end = offset + size;
    const needPages = Math.ceil(end / PAGE_BYTES);
    const havePages = this.memory.buffer.byteLength / PAGE_BYTES;
    if (needPages > havePages) {
      if (needPages > MAX_PAGES) {
        throw new InvalidArgumentError('byteLength', byteLength, `at most ${MAX_PAGES * PAGE_BYTES - this.top} more bytes of kernel memory (wasm32 is limited to 4 GiB)`);
      }
      // Grow at least geometrically so that many small allocations do not detach views over and over.
      this.currentBuffer();
      this.ownMemory.grow(Math.min(MAX_PAGES, Math.max(needPages, havePages * 2)) - havePages);
      this.currentBuffer();
    }
    this.top = end;
    if (offset < this.highWater) new Uint8Array(this.memory.buffer, offset, Math.min(end, this.highWater) - offset).fill(0);
    this.highWater = Math.max(this.highWater, end);
    return new KernelRegion(this, offset, byteLength);
  }

  allocF32(length: number): KernelRegion { return this.alloc(length * 4); }
  allocU32(length: number): KernelRegion { return this.alloc(length * 4); }

  /** Returns a region to the allocator. Using the region afterwards throws. */
  release(region: KernelRegion): void {
    if (region.freed) return;
    region.freed = true;
    if (region.hostPointer !== 0) {
      this.host?.free(region.hostPointer);
      this.hostedBytes -= Math.max(ALIGN_BYTES, roundUp(region.byteLength, ALIGN_BYTES));
      return;
    }
    const size = Math.max(ALIGN_BYTES, roundUp(region.byteLength, ALIGN_BYTES));
    const block: FreeBlock = { offset: region.offset, byteLength: size };
    let i = 0;
    while (i < this.free.length && this.free[i].offset < block.offset) i++;
    this.free.splice(i, 0, block);
    // Coalesce with neighbours, then give the tail back to the bump pointer.
    if (i + 1 < this.free.length && block.offset + block.byteLength === this.free[i + 1].offset) {
      block.byteLength += this.free[i + 1].byteLength;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].offset + this.free[i - 1].byteLength === block.offset) {
      this.free[i - 1].byteLength += block.byteLength;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.offset + last.byteLength === this.top) {
      this.top = last.offset;
      this.free.pop();
    }
  }

  /** Records a buffer that a grow replaced (or is about to replace) as detached. */
  retire(buffer: ArrayBuffer): void {
    this.retired.add(buffer);
  }

  /** True when `view` was taken from this memory before a grow (it is detached: empty, writes dropped). */
  isStale(view: ArrayBufferView): boolean {
    this.currentBuffer();
    return this.retired.has(view.buffer as ArrayBuffer);
  }

  /** Throws KernelViewError (naming `field`) when `view` is a stale view of this memory. */
  checkLive(field: string, view: ArrayBufferView): void {
    if (this.isStale(view)) throw new KernelViewError(field);
  }

  /** True when `view` lies inside this memory's current buffer, so wasm kernels can run on it in place. */
  contains(view: ArrayBufferView): boolean {
    return view.buffer === this.memory.buffer;
  }

  /** Bytes handed out and not released (for leak tests). */
  get bytesInUse(): number {
    if (this.host !== null) return this.hostedBytes;
    let freeBytes = 0;
    for (const b of this.free) freeBytes += b.byteLength;
    return this.top - HEAP_START - freeBytes;
  }

  /** A zero-filled host block with room to start on a 64-byte boundary (malloc aligns to 8 or 16). */
  private allocHosted(host: HostHeap, byteLength: number, size: number): KernelRegion {
    const pointer = host.malloc(size + ALIGN_BYTES) >>> 0;
    if (pointer === 0) throw new InvalidArgumentError('byteLength', byteLength, 'an allocation that fits in the wasm heap (malloc failed)');
    const buffer = this.currentBuffer();
    const offset = roundUp(pointer, ALIGN_BYTES);
    new Uint8Array(buffer, offset, size).fill(0);
    this.hostedBytes += size;
    return new KernelRegion(this, offset, byteLength, pointer);
  }
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}
