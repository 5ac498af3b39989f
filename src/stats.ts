// Small order statistics of measurements (step times, benchmark samples, calibration fits).

/** Median of `values` (mean of the middle two for an even count); NaN for an empty list. Does not modify the input. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
