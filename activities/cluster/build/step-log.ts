import type { BuildStep } from '../types';

/** Collects the build's steps in order and passes each on as it happens (the activity heartbeats them). */
export class StepLog {
  readonly steps: BuildStep[] = [];

  constructor(private readonly onStep?: (s: BuildStep) => void) {}

  done(step: string, host: string, detail?: string): void {
    this.add({ step, host, outcome: 'done', ...(detail ? { detail } : {}) });
  }

  /** Found done (or a check that changes nothing): the host was not touched. */
  already(step: string, host: string, detail?: string): void {
    this.add({ step, host, outcome: 'already', ...(detail ? { detail } : {}) });
  }

  get noop(): boolean {
    return this.steps.every((s) => s.outcome === 'already');
  }

  private add(s: BuildStep): void {
    this.steps.push(s);
    this.onStep?.(s);
  }
}
