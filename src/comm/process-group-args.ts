// Validation of the arguments a process group's collectives take: every bad input becomes an InvalidArgumentError.

import { checkTimeoutMs, InvalidArgumentError } from '../errors.js';
import { DTYPE_BYTES, DTYPE_CODES, type DType } from './codes.js';
import { dtypeOfArray, type ElementArray } from './reduce-ops.js';

/** The element type of `array`, checked against an explicit `dtype` when one is given. */
export function resolveDType(field: string, array: unknown, dtype: DType | undefined): DType {
  const inferred = ArrayBuffer.isView(array) ? dtypeOfArray(array) : undefined;
  if (inferred === undefined) {
    throw new InvalidArgumentError(field, array, 'a Float32Array, Uint16Array (bfloat16), Int8Array, Int16Array, Int32Array, Uint8Array or Uint32Array');
  }
  if (dtype !== undefined && dtype !== inferred) {
    throw new InvalidArgumentError('dtype', dtype, `${inferred} to match the ${(array as object).constructor.name} given as ${field} (or leave dtype out)`);
  }
  return inferred;
}

/** Checks a dtype name given for raw byte collectives (alltoallv, allgatherv); default uint8. */
export function checkDTypeName(dtype: unknown): DType {
  if (dtype === undefined) return 'uint8';
  if (typeof dtype !== 'string' || !(dtype in DTYPE_CODES)) {
    throw new InvalidArgumentError('dtype', dtype, `one of ${Object.keys(DTYPE_CODES).join(', ')}`);
  }
  return dtype as DType;
}

/** An optional output array: same element type as the input and exactly `length` elements; else a new one. */
export function outputArray<T extends ElementArray>(input: T, output: T | undefined, length: number, dtype: DType): T {
  if (output === undefined) return new (input.constructor as new (n: number) => T)(length);
  resolveDType('output', output, dtype);
  if (output.length !== length) throw new InvalidArgumentError('output.length', output.length, `${length} elements`);
  return output;
}

/** Whether two views share any byte. */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** A collective's time limit: > 0, cut to the longest a timer can wait (checkTimeoutMs). */
export function checkTimeout(timeoutMs: unknown, field = 'timeoutMs'): number {
  return checkTimeoutMs(field, timeoutMs);
}

export function checkPositiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(field, value, 'an integer >= 1');
  }
  return value;
}

/** Checks a list of N byte lengths (whole elements each) and returns it. */
export function checkByteLengths(field: string, lengths: unknown, worldSize: number, dtype: DType): readonly number[] {
  if (!Array.isArray(lengths) || lengths.length !== worldSize) {
    throw new InvalidArgumentError(field, lengths, `an array of ${worldSize} byte lengths, one per rank`);
  }
  lengths.forEach((value, i) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value % DTYPE_BYTES[dtype] !== 0) {
      throw new InvalidArgumentError(`${field}[${i}]`, value, `a byte length >= 0 that is a multiple of ${DTYPE_BYTES[dtype]} (${dtype})`);
    }
  });
  return lengths as number[];
}

/**
 * Checks the receive buffers of a variable-size call (`into`, index = sender): given only with the expected lengths
 * (`lengthsField`), one Uint8Array of exactly that length per rank. Returns them, or undefined when not given.
 */
export function checkReceiveBuffers(into: unknown, expected: readonly number[] | undefined, lengthsField: string): readonly Uint8Array[] | undefined {
  if (into === undefined) return undefined;
  if (expected === undefined) throw new InvalidArgumentError('into', 'without ' + lengthsField, `${lengthsField} too: receive buffers need the block lengths up front`);
  if (!Array.isArray(into) || into.length !== expected.length) {
    throw new InvalidArgumentError('into', into, `an array of ${expected.length} Uint8Arrays, one per sending rank`);
  }
  into.forEach((buffer, i) => {
    if (!(buffer instanceof Uint8Array) || buffer.byteLength !== expected[i]) {
      throw new InvalidArgumentError(`into[${i}]`, buffer instanceof Uint8Array ? `${buffer.byteLength} bytes` : buffer, `a Uint8Array of ${expected[i]} bytes (${lengthsField}[${i}])`);
    }
  });
  return into as Uint8Array[];
}

/** Checks one raw block: a Uint8Array whose length is a whole number of `dtype` elements. */
export function checkRawBlock(field: string, block: unknown, dtype: DType): Uint8Array {
  if (!(block instanceof Uint8Array)) throw new InvalidArgumentError(field, block, 'a Uint8Array of raw bytes');
  if (block.byteLength % DTYPE_BYTES[dtype] !== 0) {
    throw new InvalidArgumentError(`${field}.byteLength`, block.byteLength, `a multiple of ${DTYPE_BYTES[dtype]} (${dtype} elements)`);
  }
  return block;
}
