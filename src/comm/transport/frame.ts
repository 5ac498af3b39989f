// The frame header: its 32-byte little-endian layout, the control operation codes, encode and parse.
//
// Layout (docs/wire-format.md, "Frames"):
//   offset size field
//        0    4 magic            "LCUB" (0x4C 0x43 0x55 0x42)
//        4    2 version          PROTOCOL_VERSION
//        6    2 op               OP_CODES (1..63 data) or CONTROL_OPS (64..)
//        8    4 seq              per-group sequence number of the collective
//       12    4 part             index of the message within the collective
//       16    4 sender           rank of the sender
//       20    2 dtype            DTYPE_CODES, 0 for control frames
//       22    2 flags            reserved, must be 0
//       24    8 payloadLength    bytes that follow the header (uint64, < 2^53)

import { ProtocolError } from '../errors.js';

/** Bytes of every frame header. */
export const FRAME_HEADER_BYTES = 32;

/** "LCUB" read as a little-endian uint32. */
export const FRAME_MAGIC = 0x4255434c;

/**
 * Version of the whole wire protocol (frames, handshake, store messages). Ranks exchange it in the
 * handshake and in the configuration fingerprint; a frame with another version is a ProtocolError.
 */
export const PROTOCOL_VERSION = 2;

/** Op codes below this carry collective data and go through tag matching; the rest are control traffic. */
export const FIRST_CONTROL_OP = 64;

/**
 * Control operations (codes.ts reserves 64 and up for them).
 * goodbye: the sender closes its transport on purpose; abort: the sender failed, payload = JSON reason;
 * store*: rendezvous store requests and replies (src/comm/rendezvous/store-protocol.ts).
 */
export const CONTROL_OPS = {
  goodbye: 64,
  abort: 65,
  storeSet: 80,
  storeGet: 81,
  storeAdd: 82,
  storeWait: 83,
  storeCas: 84,
  storeReply: 96,
} as const;

/** Largest op code the 16-bit field can carry. */
const MAX_U16 = 0xffff;
const TWO_POW_32 = 0x1_0000_0000;

/** The decoded header of one frame. */
export interface FrameHeader {
  op: number;
  seq: number;
  part: number;
  sender: number;
  dtype: number;
  /** Payload bytes following the header. */
  payloadLength: number;
}

/**
 * Writes the header of a frame into `out` at `offset` (32 bytes). The fields are masked to their
 * widths by the caller's contract: op and dtype fit 16 bits, seq/part/sender 32 bits.
 */
export function encodeFrameHeader(out: Uint8Array, offset: number, h: FrameHeader): void {
  if (h.op < 0 || h.op > MAX_U16 || h.dtype < 0 || h.dtype > MAX_U16) {
    throw new ProtocolError(`frame op ${h.op} or dtype ${h.dtype} does not fit 16 bits`);
  }
  if (!Number.isSafeInteger(h.payloadLength) || h.payloadLength < 0) {
    throw new ProtocolError(`frame payload length ${h.payloadLength} is not a non-negative safe integer`);
  }
  writeU32(out, offset, FRAME_MAGIC);
  writeU16(out, offset + 4, PROTOCOL_VERSION);
  writeU16(out, offset + 6, h.op);
  writeU32(out, offset + 8, h.seq >>> 0);
  writeU32(out, offset + 12, h.part >>> 0);
  writeU32(out, offset + 16, h.sender >>> 0);
  writeU16(out, offset + 20, h.dtype);
  writeU16(out, offset + 22, 0);
  writeU32(out, offset + 24, h.payloadLength % TWO_POW_32);
  writeU32(out, offset + 28, Math.floor(h.payloadLength / TWO_POW_32));
}

/** A new 32-byte buffer holding the header of `h`. */
export function frameHeaderBytes(h: FrameHeader): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  encodeFrameHeader(out, 0, h);
  return out;
}

/**
 * Parses and validates the header at `bytes[offset .. offset+32)`.
 * Throws ProtocolError on bad magic, another protocol version, non-zero reserved flags, or a
 * payload length above `maxFrameBytes` (the cap is checked before any payload byte is stored).
 */
export function parseFrameHeader(bytes: Uint8Array, offset: number, maxFrameBytes: number): FrameHeader {
  const magic = readU32(bytes, offset);
  if (magic !== FRAME_MAGIC) {
    throw new ProtocolError(`bad frame magic 0x${magic.toString(16).padStart(8, '0')} (expected 0x${FRAME_MAGIC.toString(16)}): the stream is corrupt or not lion-cub`);
  }
  const version = readU16(bytes, offset + 4);
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError(`frame protocol version ${version}, this build speaks ${PROTOCOL_VERSION}: run the same lion-cub version on every rank`);
  }
  const flags = readU16(bytes, offset + 22);
  if (flags !== 0) throw new ProtocolError(`reserved frame flags are 0x${flags.toString(16)}, expected 0`);
  const low = readU32(bytes, offset + 24);
  const high = readU32(bytes, offset + 28);
  const payloadLength = high * TWO_POW_32 + low;
  if (high >= 0x20_0000 || payloadLength > maxFrameBytes) {
    throw new ProtocolError(`frame declares ${payloadLength} payload bytes, over the cap of ${maxFrameBytes} (maxFrameBytes)`);
  }
  return {
    op: readU16(bytes, offset + 6),
    seq: readU32(bytes, offset + 8),
    part: readU32(bytes, offset + 12),
    sender: readU32(bytes, offset + 16),
    dtype: readU16(bytes, offset + 20),
    payloadLength,
  };
}

// Byte-wise reads and writes: no DataView per frame, and the input may be any Uint8Array view.
function readU16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function readU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}
