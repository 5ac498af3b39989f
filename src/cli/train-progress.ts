// Shows a training run's events: a live bar on a terminal, periodic plain lines otherwise, or JSON lines.

import type { ElasticResumeEvent, EvalEvent, RestartEvent, StartEvent, StepEvent, TrainEvent } from '../train/events.js';
import { describeElasticResume } from '../train/elastic-resume-report.js';
import { metricsRecord } from '../train/metrics.js';

export type ProgressMode = 'tty' | 'plain' | 'json';

export interface ProgressOptions {
  mode: ProgressMode;
  /** Where JSON records go (stdout). */
  out: NodeJS.WritableStream;
  /** Where human-readable progress goes (stderr keeps stdout clean for pipes). */
  log: NodeJS.WritableStream;
  /** Terminal width for the bar; default 100. */
  columns?: number;
  /** Minimum time between two redraws of the bar. Default 100 ms. */
  redrawMs?: number;
}

/** Steps over which steps/s is averaged. */
const RATE_WINDOW = 20;
const BAR_WIDTH = 24;

/** Renders events as they arrive; call finish() before printing anything else. */
export class ProgressRenderer {
  private start: StartEvent | undefined;
  private lastStep: StepEvent | undefined;
  private lastEval: EvalEvent | undefined;
  private readonly recentStepMs: number[] = [];
  private barShown = false;
  private lastDrawMs = 0;
  private nextPlainStep = 0;

  constructor(private readonly options: ProgressOptions) {}

  event(event: TrainEvent): void {
    if (this.options.mode === 'json') {
      if (event.type === 'step' || event.type === 'eval' || event.type === 'restart' || event.type === 'elastic-resume') this.options.out.write(`${JSON.stringify(metricsRecord(event))}\n`);
      if (event.type === 'start') this.start = event;
      return;
    }
    switch (event.type) {
      case 'start':
        this.start = event;
        this.line(`training ${event.workload} (${event.numParams.toLocaleString('en-US')} parameters) on ${event.worldSize} worker${event.worldSize === 1 ? '' : 's'} with ${event.strategy}: `
          + `${event.totalSteps} steps, ${event.localBatchSize} examples per worker per step${event.resumedFrom ? `, resumed at step ${event.startStep} from ${event.resumedFrom}` : ''}`);
        this.nextPlainStep = event.startStep + this.plainInterval(event.totalSteps);
        break;
      case 'step':
        this.lastStep = event;
        this.recentStepMs.push(event.stepMs);
        if (this.recentStepMs.length > RATE_WINDOW) this.recentStepMs.shift();
        if (this.options.mode === 'tty') this.drawBar(event.step === event.totalSteps);
        else if (event.step >= this.nextPlainStep || event.step === event.totalSteps) {
          this.line(this.statusText());
          this.nextPlainStep = event.step + this.plainInterval(event.totalSteps);
        }
        break;
      case 'eval':
        this.lastEval = event;
        this.line(`eval at step ${event.step}: test loss ${event.loss.toFixed(4)}, test accuracy ${event.accuracy.toFixed(4)} (${event.numTargets} targets, ${Math.round(event.evalMs)} ms)`);
        break;
      case 'restart':
        this.line(describeRestart(event));
        break;
      case 'elastic-resume':
        this.line(describeElasticResume(event));
        break;
      case 'checkpoint':
        this.line(`checkpoint at step ${event.step}: ${event.path} (${(event.byteLength / 1e6).toFixed(1)} MB, ${Math.round(event.saveMs)} ms)`);
        break;
      case 'done':
        break;
    }
  }

  /** Leaves the cursor on a fresh line. */
  finish(): void {
    if (this.barShown) this.options.log.write('\n');
    this.barShown = false;
  }

  /** The start event seen, if any (world size and parameter count for the summary). */
  get startEvent(): StartEvent | undefined {
    return this.start;
  }

  /** "step 120/300 [#########…] loss 0.4123 | test acc 0.9120 | 3.4 steps/s | 0.93 MB sent/step". */
  statusText(withBar = false): string {
    const s = this.lastStep;
    if (!s) return '';
    const fraction = s.step / s.totalSteps;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = withBar ? ` [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]` : '';
    const meanMs = this.recentStepMs.reduce((a, b) => a + b, 0) / Math.max(1, this.recentStepMs.length);
    const parts = [
      `step ${s.step}/${s.totalSteps}${bar}`,
      `loss ${s.loss.toFixed(4)}`,
      s.accuracy !== null ? `batch acc ${s.accuracy.toFixed(3)}` : null,
      this.lastEval ? `test acc ${this.lastEval.accuracy.toFixed(4)}` : null,
      `${(1000 / meanMs).toFixed(2)} steps/s`,
      `${(s.sync.bytesSent / 1e6).toFixed(3)} MB sent/step`,
    ];
    return parts.filter((p) => p !== null).join(' | ');
  }

  private drawBar(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDrawMs < (this.options.redrawMs ?? 100)) return;
    this.lastDrawMs = now;
    const text = this.statusText(true).slice(0, (this.options.columns ?? 100) - 1);
    this.options.log.write(`\r\x1b[2K${text}`);
    this.barShown = true;
  }

  /** A permanent line; on a terminal the bar is cleared first and redrawn after. */
  private line(text: string): void {
    if (this.barShown) this.options.log.write('\r\x1b[2K');
    this.options.log.write(`${text}\n`);
    if (this.barShown && this.lastStep) this.options.log.write(`${this.statusText(true).slice(0, (this.options.columns ?? 100) - 1)}`);
  }

  private plainInterval(totalSteps: number): number {
    return Math.max(1, Math.round(totalSteps / 20));
  }
}

/** "restart 1 (generation 1) after rank 1 was killed by SIGKILL: resuming at step 150 from …/step-000000150.rank-0.ckpt". */
export function describeRestart(e: RestartEvent): string {
  const from = e.resumedFrom ? `resuming at step ${e.step} from ${e.resumedFrom}` : 'starting again from step 0 (no checkpoint every rank holds)';
  return `restart ${e.generation} (generation ${e.generation})${e.cause ? ` after ${e.cause}` : ''}: ${from}`;
}
