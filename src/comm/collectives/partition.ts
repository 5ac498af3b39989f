// How collectives cut an array into per-rank blocks and blocks into chunks (in elements).

/**
 * Start of block `b` when `count` elements are split over `parts` blocks as evenly as possible:
 * the first `count mod parts` blocks get one element more. Block b is [blockStart(b), blockStart(b + 1)).
 */
export function blockStart(count: number, parts: number, b: number): number {
  const base = Math.floor(count / parts);
  const extra = count - base * parts;
  return b * base + Math.min(b, extra);
}

/** Elements in block `b` of the even split (see blockStart). */
export function blockLength(count: number, parts: number, b: number): number {
  return blockStart(count, parts, b + 1) - blockStart(count, parts, b);
}

/** Elements per chunk for a chunk size in bytes: rounded down to whole elements, at least one. */
export function chunkElements(chunkBytes: number, elementBytes: number): number {
  return Math.max(1, Math.floor(chunkBytes / elementBytes));
}

/** Non-negative remainder: the ring arithmetic of ranks and blocks. */
export function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
