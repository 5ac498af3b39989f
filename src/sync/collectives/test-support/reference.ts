// Brute-force references, random codes and group set-up for the compressed-collective tests (test code, not shipped).
//
// The references work value by value on plain integers, never on packed words with counters, so they share
// no logic with the codec kernels they check.

import { ProcessGroup, type ProcessGroupOptions } from '../../../comm/process-group.js';
import { createMemoryTransports } from '../../../comm/transport/memory-transport.js';
import { connectLoopbackMesh } from '../../../comm/transport/tcp-loopback.js';
import { packSigned, packSigns, type QuantBits } from '../../../codec/index.js';
import { randomFloat32, seededRandom } from '../../../random.js';

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

export function bitOf(code: Uint32Array, i: number): number {
  return (code[i >>> 5] >>> (i & 31)) & 1;
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

/** Sets bit i of a 1-bit code: 1 (negative) for a negative value, 0 for a positive one, (i + step) mod 2 for 0. */
function codeOfSigns(signs: (i: number) => number, numValues: number, step: number): Uint32Array {
  const out = new Uint32Array(Math.ceil(numValues / 32));
  for (let i = 0; i < numValues; i++) {
    const s = signs(i);
    const bit = s < 0 ? 1 : s > 0 ? 0 : (i + step) % 2;
    if (bit) out[i >>> 5] |= 1 << (i & 31);
  }
  return out;
}

/** Per value: t = (#codes with bit 0) − (#codes with bit 1) = N − 2k. */
export function referenceTally(codes: readonly Uint32Array[], numValues: number): Int32Array {
  const t = new Int32Array(numValues);
  for (let i = 0; i < numValues; i++) for (const c of codes) t[i] += bitOf(c, i) ? -1 : 1;
  return t;
}

/** Majority vote: negative iff 2k > N, positive iff 2k < N, a tie by the parity rule. */
export function referenceVote(codes: readonly Uint32Array[], numValues: number, step: number): Uint32Array {
  const t = referenceTally(codes, numValues);
  return codeOfSigns((i) => t[i], numValues, step);
}

/** The 1-bit code of the sign of Σ_k values_k (exact integers), a zero sum by the parity rule. */
export function referenceSignOfSum(values: readonly ArrayLike<number>[], numValues: number, step: number): Uint32Array {
  return codeOfSigns((i) => {
    let sum = 0;
    for (const v of values) sum += v[i];
    return sum;
  }, numValues, step);
}

export function sameWords(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
