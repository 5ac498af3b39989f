// When, which layers, and in what precision the workers' momenta are averaged (docs/strategies.md, "Momentum synchronisation").

import { InvalidArgumentError } from '../errors.js';

/** How synchronised momentum travels: float32, or bfloat16 for half the bytes. */
export type MomentumPayload = 'f32' | 'bf16';

/** When and what momentum the compressed strategies average across ranks (`--momentum-sync`, parseMomentumPolicy). */
export type MomentumPolicy =
  | { kind: 'none' }
  | { kind: 'every'; everySteps: number; payload: MomentumPayload }
  | { kind: 'schedule'; k: number; payload: MomentumPayload }
  | { kind: 'layers'; pattern: string; everySteps: number; payload: MomentumPayload }
  | { kind: 'adaptive'; threshold: number; payload: MomentumPayload };

const FIELD = '--momentum-sync';
const HELP = 'none, every:K, schedule:k, layers:GLOB or adaptive:THRESHOLD, optionally followed by @f32 or @bf16';

/**
 * Parses a momentum-synchronisation policy: `none`, `every:K`, `schedule:k` (dense then sparse), `layers:GLOB`
 * (those layers, every step; globs as in weight-decay masks: `*` matches any run of characters), `adaptive:THRESHOLD`; a trailing `@bf16` halves the payload (default `@f32`).
 */
export function parseMomentumPolicy(text: string): MomentumPolicy {
  let body = text.trim();
  let payload: MomentumPayload = 'f32';
  const at = body.lastIndexOf('@');
  if (at >= 0) {
    const p = body.slice(at + 1);
    if (p !== 'f32' && p !== 'bf16') throw new InvalidArgumentError(FIELD, text, `payload @f32 or @bf16 (got @${p})`);
    payload = p;
    body = body.slice(0, at);
  }
  const colon = body.indexOf(':');
  const kind = colon < 0 ? body : body.slice(0, colon);
  const arg = colon < 0 ? '' : body.slice(colon + 1);
  switch (kind) {
    case 'none':
      if (arg || at >= 0) throw new InvalidArgumentError(FIELD, text, '"none" without arguments');
      return { kind: 'none' };
    case 'every':
      return { kind: 'every', everySteps: positiveInt(arg, text), payload };
    case 'schedule':
      return { kind: 'schedule', k: positiveInt(arg, text), payload };
    case 'layers':
      if (!arg) throw new InvalidArgumentError(FIELD, text, 'layers:GLOB, e.g. layers:dense_1/*');
      return { kind: 'layers', pattern: arg, everySteps: 1, payload };
    case 'adaptive': {
      const threshold = Number(arg);
      if (!arg || !Number.isFinite(threshold) || threshold < 0) throw new InvalidArgumentError(FIELD, text, 'adaptive:THRESHOLD with a non-negative number');
      return { kind: 'adaptive', threshold, payload };
    }
    default:
      throw new InvalidArgumentError(FIELD, text, HELP);
  }
}

function positiveInt(arg: string, text: string): number {
  const n = Number(arg);
  if (!arg || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(FIELD, text, `a positive integer after the colon (${HELP})`);
  return n;
}

/**
 * Steps of the dense-then-sparse schedule: t₀ = 0, t_{j+1} = t_j + ⌊2^(j/k)⌋, over the WHOLE run (docs/strategies.md: not
 * restarted every epoch). Larger k keeps syncs dense for longer. Returns the sync steps below `totalSteps`.
 */
export function scheduleSyncSteps(k: number, totalSteps: number): number[] {
  const steps: number[] = [];
  let t = 0;
  for (let j = 0; t < totalSteps; j++) {
    steps.push(t);
    t += Math.floor(2 ** (j / k));
  }
  return steps;
}

/** Decides, step by step, whether the momentum of every layer (or the matching layers) is synchronised. */
export class MomentumSchedule {
  private nextScheduled = 0;
  private j = 0;

  constructor(private readonly policy: MomentumPolicy) {}

  /**
   * Whether the policy wants a synchronisation at `step` (0-based global step). Steps must be asked in increasing
   * order for `schedule` (the training loop does so, also after a resume, which replays the schedule from 0).
   */
  syncAt(step: number): boolean {
    switch (this.policy.kind) {
      case 'none': return false;
      case 'every': return (step + 1) % this.policy.everySteps === 0;
      case 'layers': return (step + 1) % this.policy.everySteps === 0;
      case 'adaptive': return true; // decided per layer from the measured divergence
      case 'schedule': {
        while (this.nextScheduled < step) this.advance();
        return this.nextScheduled === step;
      }
    }
  }

  private advance(): void {
    const k = (this.policy as { k: number }).k;
    this.nextScheduled += Math.floor(2 ** (this.j / k));
    this.j++;
  }
}
