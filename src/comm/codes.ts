// Numeric codes carried in frame headers: element types and operation kinds.

/** Element types a collective can carry. bfloat16 travels as uint16 words and is reduced in float32. */
export type DType = 'float32' | 'bfloat16' | 'int8' | 'int16' | 'int32' | 'uint8' | 'uint32';

export const DTYPE_CODES: Readonly<Record<DType, number>> = {
  float32: 1,
  bfloat16: 2,
  int8: 3,
  int16: 4,
  int32: 5,
  uint8: 6,
  uint32: 7,
};

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  bfloat16: 2,
  int8: 1,
  int16: 2,
  int32: 4,
  uint8: 1,
  uint32: 4,
};

/** The typed array that holds each element type. */
export type DTypeArray<T extends DType> =
  T extends 'float32' ? Float32Array :
  T extends 'bfloat16' ? Uint16Array :
  T extends 'int8' ? Int8Array :
  T extends 'int16' ? Int16Array :
  T extends 'int32' ? Int32Array :
  T extends 'uint8' ? Uint8Array :
  Uint32Array;

/**
 * Operation kinds. Compressed collectives (vote allreduce and friends) take codes from 16 up;
 * 64 and up are reserved for control traffic (handshake, rendezvous).
 */
export const OP_CODES = {
  allreduce: 1,
  reduce_scatter: 2,
  allgather: 3,
  alltoall: 4,
  broadcast: 5,
  barrier: 6,
} as const;

export type OpName = keyof typeof OP_CODES;

export function dtypeName(code: number): DType | undefined {
  return (Object.keys(DTYPE_CODES) as DType[]).find((k) => DTYPE_CODES[k] === code);
}
