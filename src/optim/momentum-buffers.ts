// Lion's momentum storage: the live buffer m and, once reserved, a second buffer an encode stages the next m into.
//
// A step that staged its momentum (lion.encodeSign / encodeQuant after reserveStagedMomentum) applies θ only and
// then swaps the two, so the staged buffer becomes m; a step that is skipped leaves m where it was. Views are taken
// afresh on every access: the kernel memory can grow, which detaches views held across it.

import { LionCubError } from '../errors.js';
import type { KernelRegion } from '../kernels/kernel-memory.js';
import { kernelMemory } from '../kernels/load.js';

/** One momentum-sized buffer on the JS heap or in kernel memory. */
type Buffer = { region: KernelRegion } | { heap: Float32Array };

function allocate(numParams: number, memory: 'heap' | 'kernel'): Buffer {
  return memory === 'kernel' ? { region: kernelMemory.allocF32(numParams) } : { heap: new Float32Array(numParams) };
}

function view(buffer: Buffer): Float32Array {
  return 'region' in buffer ? buffer.region.f32() : buffer.heap;
}

/** The live momentum and the optional staging buffer (see the header). */
export class MomentumBuffers {
  private live: Buffer;
  private spare: Buffer | null = null;

  constructor(private readonly numParams: number, private readonly memory: 'heap' | 'kernel') {
    this.live = allocate(numParams, memory);
    // m starts at 0. Zeroed here rather than trusted to the allocator: a block handed back to its
    // bump pointer after release is reissued with its old contents.
    view(this.live).fill(0);
  }

  /** The momentum m (a fresh view). */
  get current(): Float32Array { return view(this.live); }

  /** True once reserveStaging() ran. */
  get canStage(): boolean { return this.spare !== null; }

  /**
   * Allocates the staging buffer (idempotent). Call at construction of whatever stages, never inside a step: a
   * kernel-memory allocation can grow the memory and detach the views a step holds.
   */
  reserveStaging(): void {
    this.spare ??= allocate(this.numParams, this.memory);
  }

  /** The staging buffer (a fresh view); its contents are whatever the last staging encode wrote. */
  staging(): Float32Array {
    if (this.spare === null) throw new LionCubError('invalid_state', 'no staged-momentum buffer: call reserveStaging() (lion.reserveStagedMomentum()) first');
    return view(this.spare);
  }

  /** Makes the staging buffer the momentum and the old momentum the staging buffer. */
  swap(): void {
    if (this.spare === null) throw new LionCubError('invalid_state', 'no staged-momentum buffer to swap in: call reserveStaging() (lion.reserveStagedMomentum()) first');
    [this.live, this.spare] = [this.spare, this.live];
  }

  dispose(): void {
    for (const b of [this.live, this.spare]) if (b && 'region' in b) kernelMemory.release(b.region);
    this.spare = null;
  }
}
