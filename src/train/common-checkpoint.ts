// Which checkpoint step a set of ranks can resume from together, also when the world size changed since it was written.

/** Every rank holds it intact: the rule of a job that kept its world size and all its files. */
export function newestCommonStep(intactStepsByRank: readonly (readonly number[])[]): number | undefined {
  if (intactStepsByRank.length === 0) return undefined;
  let newest: number | undefined;
  for (const step of intactStepsByRank[0]) {
    if ((newest === undefined || step > newest) && intactStepsByRank.every((steps) => steps.includes(step))) newest = step;
  }
  return newest;
}

/** One of a rank's own checkpoint files (`step-S.rank-R.ckpt` with R = that rank). */
export interface ListedCheckpoint {
  step: number;
  /** It reads back intact (checksum, or header only where only headers are read). */
  intact: boolean;
  /** The world size its header records (the job that wrote it); -1 when unreadable (then others' files decide). */
  worldSize: number;
}

/** The agreed resume point. */
export interface ResumePoint {
  step: number;
  /** World size of the job that wrote the step's checkpoint. */
  worldSize: number;
  /** Current ranks holding their own checkpoint of the step intact, ascending (never empty). */
  holders: number[];
}

/**
 * The newest step s such that
 *   (a) some current rank holds its own checkpoint of s intact, and all such files record the same world size W;
 *   (b) every current rank r < W that holds any checkpoint at all holds s intact.
 * A rank that holds no checkpoint is new (a node that joined, or replaced a lost one) and never blocks the
 * resume; a rank r ≥ W was not part of the job that wrote s, so its files (left over from an older, larger
 * world) do not count either. A checkpoint damaged on a rank that must hold it moves every rank back to an
 * older step, and a crash mid-save (ranks one checkpoint apart) resolves to the step all of them finished.
 * With an unchanged world and every rank holding files this is exactly newestCommonStep.
 * `listed[r]` = rank r's own files. Undefined when no step qualifies.
 */
export function chooseResumePoint(listed: readonly (readonly ListedCheckpoint[])[]): ResumePoint | undefined {
  const steps = [...new Set(listed.flatMap((files) => files.filter((f) => f.intact).map((f) => f.step)))].sort((a, b) => b - a);
  for (const step of steps) {
    const holders: number[] = [];
    const worldSizes = new Set<number>();
    listed.forEach((files, rank) => {
      const file = files.find((f) => f.step === step && f.intact);
      if (file) {
        holders.push(rank);
        if (file.worldSize >= 0) worldSizes.add(file.worldSize);
      }
    });
    if (worldSizes.size > 1) continue;
    // None known: only files taken as intact without being read (ignoringDamage); assume this world wrote them.
    const worldSize = worldSizes.size === 1 ? [...worldSizes][0] : listed.length;
    const complete = listed.every((files, rank) => rank >= worldSize || files.length === 0 || holders.includes(rank));
    if (complete) return { step, worldSize, holders };
  }
  return undefined;
}

/** The same listing with every file taken as intact: would the ranks agree if nothing were damaged? */
export function ignoringDamage(listed: readonly (readonly ListedCheckpoint[])[]): ListedCheckpoint[][] {
  return listed.map((files) => files.map((f) => ({ ...f, intact: true })));
}
