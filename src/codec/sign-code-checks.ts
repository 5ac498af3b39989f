// Argument checks shared by the 1-bit sign code, the vote and the fused Lion kernels.

import { InvalidArgumentError } from '../errors.js';
import { kernelMemory } from '../kernels/load.js';

/** Number of 32-bit words of a 1-bit code of `numValues` values: ceil(numValues / 32). */
export function signCodeWords(numValues: number): number {
  return Math.ceil(numValues / 32);
}

/** A 1-bit code buffer must hold exactly ceil(numValues / 32) words. */
export function checkCodeLength(field: string, code: Uint32Array, numValues: number): void {
  kernelMemory.checkLive(field, code);
  const words = signCodeWords(numValues);
  if (code.length !== words) {
    throw new InvalidArgumentError(`${field}.length`, code.length, `${words} words (ceil(${numValues} / 32)) for ${numValues} values`);
  }
}

export function checkSameLength(field: string, view: ArrayBufferView & { length: number }, numValues: number): void {
  kernelMemory.checkLive(field, view);
  if (view.length !== numValues) throw new InvalidArgumentError(`${field}.length`, view.length, `${numValues}, the number of values`);
}

export function checkCount(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, value, `an integer from ${min} to ${max}`);
  }
}
