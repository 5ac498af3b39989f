// Random codes, group set-up and the brute-force references (../brute-force.ts) for the compressed-collective tests.

import { ProcessGroup, type ProcessGroupOptions } from '../../../comm/process-group.js';
import { createMemoryTransports } from '../../../comm/transport/memory-transport.js';
import { connectLoopbackMesh } from '../../../comm/transport/tcp-loopback.js';
import { packSigned, packSigns, type QuantBits } from '../../../codec/index.js';
import { randomFloat32, seededRandom } from '../../../random.js';

export { bitOf, referenceSignOfSum, referenceTally, referenceVote } from '../brute-force.js';

export const WORLD_SIZES = [1, 2, 3, 4, 5, 8] as const;
export const LENGTHS = [0, 1, 31, 33, 1000, 2 ** 16 + 3] as const;

/**
 * Chunk size for a case: small chunks (90 bytes: 22 words, 90 int8 or 45 int16 values per message, and no
 * multiple of 4, so chunks round down to whole elements) make every multi-chunk path run on short codes;
 * the 2^16+3 cases use 4000-byte chunks to keep the message count in the thousands.
 */
export function chunkBytesFor(numValues: number): number {
  return numValues > 4096 ? 4000 : 90;
}

export function memoryGroups(worldSize: number, options: ProcessGroupOptions = {}): ProcessGroup[] {
  return createMemoryTransports(worldSize).map((t) => new ProcessGroup(t, { timeoutMs: 20_000, ...options }));
}

export async function tcpGroups(worldSize: number, options: ProcessGroupOptions = {}): Promise<ProcessGroup[]> {
  const transports = await connectLoopbackMesh(worldSize);
  return transports.map((t) => new ProcessGroup(t, { timeoutMs: 20_000, ...options }));
}

export async function closeAll(groups: readonly ProcessGroup[]): Promise<void> {
  await Promise.all(groups.map((g) => g.close()));
}

/** The 1-bit code at `step` of random floats of which a fifth are exactly +0 or −0 (coded by the parity rule). */
export function randomSignCode(numValues: number, seed: number, step: number): Uint32Array {
  const code = new Uint32Array(Math.ceil(numValues / 32));
  packSigns(randomFloat32(numValues, seed, { zeroFraction: 0.2 }), code, step);
  return code;
}

/** Integers in [−s, s], a fraction `zeroFraction` of them exactly 0 (abstentions, and zero sums). */
export function randomLevels(numValues: number, levels: number, zeroFraction: number, seed: number): Int32Array {
  const rand = seededRandom(seed);
  const out = new Int32Array(numValues);
  for (let i = 0; i < numValues; i++) {
    if (rand() < zeroFraction) continue;
    const magnitude = 1 + Math.floor(rand() * levels);
    out[i] = rand() < 0.5 ? -magnitude : magnitude;
  }
  return out;
}

export function packLevels(values: Int32Array, bits: QuantBits): Uint32Array {
  const code = new Uint32Array(Math.ceil((values.length * bits) / 32));
  packSigned(values, bits, code);
  return code;
}

export function sameWords(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
