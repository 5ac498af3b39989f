// The alltoallv of the vote and p-bit allreduce: slice q of this rank's code goes to rank q followed by one flag
// word saying whether this rank's gradient was finite, so every rank learns every rank's flag inside the
// collective's own messages (the strategies' finiteness agreement, docs/strategies.md) without a round trip of its own.

/** Value of the flag word: 0 when the sender's gradient was finite; a receiver counts any other value as not finite. */
export const FINITE_FLAG = 0;
export const NON_FINITE_FLAG = 1;

/** Bytes the flag adds to every alltoallv block. */
export const FLAG_BYTES = 4;

/**
 * Send and receive layout of one rank's flagged slices. Block q is [slice q of the code | flag], so its byte
 * length is 4·(length(q) + 1); every rank receives N blocks of 4·(length(rank) + 1) bytes (its own included).
 * The send copy lives in ordinary memory (CompressedCollective's buffer rule).
 */
export class FlaggedSlices {
  /** Blocks to pass to alltoallv (views of one buffer; rewritten by fill). */
  readonly sendBlocks: Uint8Array[];
  /** Byte length of every block this rank receives, for alltoallv's recvByteLengths. */
  readonly recvByteLengths: number[];
  /** Where alltoallv receives the blocks (its `into`: views of one reused buffer, so no run allocates them). */
  readonly recvBlocks: Uint8Array[];
  private readonly sendWords: Uint32Array;
  private readonly blockStart: number[];
  private readonly mineBytes: number;

  constructor(worldSize: number, rank: number, private readonly start: (q: number) => number, private readonly length: (q: number) => number) {
    this.blockStart = [];
    let words = 0;
    for (let q = 0; q < worldSize; q++) {
      this.blockStart.push(words);
      words += length(q) + 1;
    }
    this.sendWords = new Uint32Array(words);
    this.sendBlocks = this.blockStart.map((at, q) => new Uint8Array(this.sendWords.buffer, 4 * at, 4 * (length(q) + 1)));
    this.mineBytes = 4 * length(rank);
    this.recvByteLengths = new Array<number>(worldSize).fill(this.mineBytes + FLAG_BYTES);
    const received = new Uint8Array(worldSize * (this.mineBytes + FLAG_BYTES));
    // This rank's own block is "received" where it is sent from: alltoallv then copies nothing of its own.
    this.recvBlocks = this.recvByteLengths.map((bytes, q) => (q === rank ? this.sendBlocks[q] : received.subarray(q * bytes, (q + 1) * bytes)));
  }

  /** Copies slice q of `code` and this rank's flag into block q, for every q. */
  fill(code: Uint32Array, finite: boolean): void {
    const flag = finite ? FINITE_FLAG : NON_FINITE_FLAG;
    for (let q = 0; q < this.blockStart.length; q++) {
      const at = this.blockStart[q];
      const n = this.length(q);
      const from = this.start(q);
      this.sendWords.set(code.subarray(from, from + n), at);
      this.sendWords[at + n] = flag;
    }
  }

  /**
   * Copies the slice of every received block (in rank order) to `stacked` at q·4·length(rank) bytes, and returns
   * true when every block's flag said finite.
   */
  stack(received: readonly Uint8Array[], stacked: Uint8Array): boolean {
    let allFinite = true;
    const bytes = this.mineBytes;
    for (let q = 0; q < received.length; q++) {
      const block = received[q];
      stacked.set(block.subarray(0, bytes), q * bytes);
      // Little-endian word, like every code word on the wire (docs/wire-format.md).
      const flag = block[bytes] | (block[bytes + 1] << 8) | (block[bytes + 2] << 16) | (block[bytes + 3] << 24);
      if (flag !== FINITE_FLAG) allFinite = false;
    }
    return allFinite;
  }
}
