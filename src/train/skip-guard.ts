// Ends a run whose steps keep being skipped for non-finite gradients (the sync strategies skip single ones).

import { LionCubError } from '../errors.js';

/** Code `non_finite_gradient`: `consecutive` steps in a row, the last at 0-based step `step`, were skipped. */
export class NonFiniteGradientError extends LionCubError {
  constructor(readonly step: number, readonly consecutive: number) {
    super('non_finite_gradient',
      `${consecutive} steps in a row (the last at step ${step}) had a NaN or ±∞ gradient on some rank and were skipped: ` +
      'training diverged or the data holds non-finite values (lower the learning rate, set maxGradNorm, check the inputs)');
  }
}

/** Counts skipped steps: in total, and in a row up to a limit. */
export class SkipGuard {
  /** Steps skipped since the guard was created. */
  total = 0;
  private inRow = 0;

  constructor(private readonly maxConsecutive: number) {}

  /** Records one step; throws NonFiniteGradientError when it makes `maxConsecutive` skipped steps in a row. */
  record(step: number, skipped: boolean): void {
    if (!skipped) {
      this.inRow = 0;
      return;
    }
    this.total++;
    this.inRow++;
    if (this.inRow >= this.maxConsecutive) throw new NonFiniteGradientError(step, this.inRow);
  }
}
