// Which checkpoint step a set of ranks can resume from together: the newest step that every rank holds intact.

/**
 * The newest step present in every rank's list, or undefined when the ranks have none in common (or there are
 * no ranks). `intactStepsByRank[r]` lists the steps rank r can actually restore: files that are missing or
 * fail verification must already be left out, so one damaged file moves every rank back to an older step.
 */
export function newestCommonStep(intactStepsByRank: readonly (readonly number[])[]): number | undefined {
  if (intactStepsByRank.length === 0) return undefined;
  let newest: number | undefined;
  for (const step of intactStepsByRank[0]) {
    if ((newest === undefined || step > newest) && intactStepsByRank.every((steps) => steps.includes(step))) newest = step;
  }
  return newest;
}
