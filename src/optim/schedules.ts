// Learning-rate schedules: pure functions from the step index to the learning rate η.
//
// Steps count from 0 (the first optimizer step is step 0). The optimizer calls its schedule
// at every step; a schedule never keeps state, so replaying step t gives the same η.

import { checkStep, InvalidArgumentError } from '../errors.js';

/** η for step `step` (0-based integer). Must return a finite, non-negative number. */
export type LearningRateSchedule = (step: number) => number;

/** η(t) = lr for every t. Throws InvalidArgumentError (field `lr`) unless lr is finite and ≥ 0. */
export function constantSchedule(lr: number): LearningRateSchedule {
  checkRate('lr', lr);
  return (step) => {
    checkStep(step);
    return lr;
  };
}

/** Linear warm-up from 0 to peakLr over warmupSteps, then constant. */
export interface LinearWarmupOptions {
  /** η reached at the end of warm-up and kept afterwards. */
  peakLr: number;
  /** Number of warm-up steps W (0: no warm-up). */
  warmupSteps: number;
}

/**
 * Linear warm-up then constant: η(t) = peakLr·(t+1)/W for t < W, peakLr for t ≥ W.
 * The (t+1) means no step runs with η = 0 and step W−1 already reaches peakLr.
 * Throws InvalidArgumentError for a negative or non-finite peakLr or a non-integer/negative W.
 */
export function linearWarmupSchedule({ peakLr, warmupSteps }: LinearWarmupOptions): LearningRateSchedule {
  checkRate('peakLr', peakLr);
  checkStepCount('warmupSteps', warmupSteps);
  return (step) => {
    checkStep(step);
    return step < warmupSteps ? warmupValue(peakLr, step, warmupSteps) : peakLr;
  };
}

/** Linear warm-up, then cosine decay from peakLr to minLr at totalSteps. */
export interface WarmupCosineOptions extends LinearWarmupOptions {
  /** Total length T of warm-up plus cosine decay, in steps (T ≥ W). */
  totalSteps: number;
  /** η at and after step T (default 0); at most peakLr. */
  minLr?: number;
}

/**
 * Linear warm-up (as linearWarmupSchedule) then cosine decay from peakLr to minLr:
 *   t < W:      η = peakLr·(t+1)/W
 *   W ≤ t < T:  η = peakLr − (peakLr − minLr)·(1 − cos(π·(t−W)/(T−W)))/2   (η(W) = peakLr)
 *   t ≥ T:      η = minLr
 * Throws InvalidArgumentError for negative/non-finite rates, minLr > peakLr, non-integer step
 * counts or totalSteps < warmupSteps.
 */
export function warmupCosineSchedule({ peakLr, warmupSteps, totalSteps, minLr = 0 }: WarmupCosineOptions): LearningRateSchedule {
  checkRate('peakLr', peakLr);
  checkRate('minLr', minLr);
  if (minLr > peakLr) throw new InvalidArgumentError('minLr', minLr, `at most peakLr (${peakLr})`);
  checkStepCount('warmupSteps', warmupSteps);
  checkStepCount('totalSteps', totalSteps);
  if (totalSteps < warmupSteps) throw new InvalidArgumentError('totalSteps', totalSteps, `at least warmupSteps (${warmupSteps})`);
  const decaySteps = totalSteps - warmupSteps;
  return (step) => {
    checkStep(step);
    if (step < warmupSteps) return warmupValue(peakLr, step, warmupSteps);
    if (step >= totalSteps) return minLr;
    const progress = (step - warmupSteps) / decaySteps;
    // Written as a drop from peakLr so that η(W) is exactly peakLr.
    return peakLr - (peakLr - minLr) * 0.5 * (1 - Math.cos(Math.PI * progress));
  };
}

/**
 * Calls `schedule(step)` and checks the result; the optimizer uses this at every step.
 * Throws InvalidArgumentError (field `lr`) naming the step when η is negative or not finite.
 */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  checkStep(step);
  const lr = schedule(step);
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw new InvalidArgumentError('lr', lr, `a finite, non-negative learning rate from the schedule at step ${step}`);
  }
  return lr;
}

function warmupValue(peakLr: number, step: number, warmupSteps: number): number {
  // The ratio first, so that the last warm-up step gives exactly peakLr.
  return peakLr * ((step + 1) / warmupSteps);
}

function checkRate(field: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(field, value, 'a finite, non-negative learning rate');
  }
}

function checkStepCount(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(field, value, 'a non-negative integer number of steps');
}

