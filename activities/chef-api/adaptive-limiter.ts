import { Semaphore } from '../concurrency';

/** What the client tells the limiter about each answer. */
export interface RequestSample {
  latencyMs: number;
  /** HTTP status, 0 for a network error or timeout. */
  status: number;
}

/**
 * AIMD concurrency: the configured concurrency is a ceiling. A 5xx, a 429, a network error or latency far above
 * the server's usual answer halves (or trims) the requests in flight; each window of successes adds one back.
 * So a backup backs off before it takes a production Chef server down (the seeds' operators watched for 500s
 * and killed the backup by hand) and recovers by itself.
 */
export class AdaptiveLimiter extends Semaphore {
  private successes = 0;
  private lastDecrease = -Infinity;
  private ewmaMs?: number;
  private baselineMs?: number;
  private baselineSince = Date.now();
  decreases = 0;

  constructor(
    readonly ceiling: number,
    private readonly floor = 1,
    private readonly now: () => number = Date.now,
  ) {
    super(ceiling);
  }

  observe(sample: RequestSample): void {
    this.trackLatency(sample.latencyMs);
    const failed = sample.status === 0 || sample.status === 429 || sample.status >= 500;
    if (failed) return this.decrease(0.5);
    if (this.congested()) return this.decrease(0.9);
    if (++this.successes >= this.limit) {
      this.successes = 0;
      if (this.limit < this.ceiling) this.setLimit(this.limit + 1);
    }
  }

  private trackLatency(ms: number): void {
    this.ewmaMs = this.ewmaMs === undefined ? ms : this.ewmaMs * 0.9 + ms * 0.1;
    // The baseline forgets after a while, so a server that got slower for good becomes the new normal.
    if (this.baselineMs === undefined || this.ewmaMs < this.baselineMs || this.now() - this.baselineSince > 30_000) {
      this.baselineMs = this.ewmaMs;
      this.baselineSince = this.now();
    }
  }

  private congested(): boolean {
    if (this.ewmaMs === undefined || this.baselineMs === undefined) return false;
    return this.ewmaMs > this.baselineMs * 3 + 50;
  }

  /** At most once per cooldown: the failures of requests already in flight belong to the same event. */
  private decrease(factor: number): void {
    this.successes = 0;
    const cooldown = Math.max(100, this.ewmaMs ?? 0);
    if (this.now() - this.lastDecrease < cooldown) return;
    this.lastDecrease = this.now();
    const next = Math.max(this.floor, Math.floor(this.limit * factor));
    if (next < this.limit) {
      this.decreases++;
      this.setLimit(next);
    }
  }
}
