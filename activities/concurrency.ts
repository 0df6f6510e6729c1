/** Bounded parallelism: one limiter per server shared by every request, and a pool to feed work through it. */

export interface Limiter {
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly limit: number;
  readonly inFlight: number;
  /** Adaptive limiters learn from every answer. */
  observe?(sample: { latencyMs: number; status: number }): void;
}

export class Semaphore implements Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a whole number >= 1`);
  }

  get limit(): number {
    return this.max;
  }

  get inFlight(): number {
    return this.active;
  }

  /** Lowering takes effect as requests finish; raising starts waiters at once. */
  setLimit(max: number): void {
    this.max = Math.max(1, Math.floor(max));
    while (this.active < this.max && this.waiting.length) {
      this.active++;
      this.waiting.shift()?.();
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over, already counted
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.active <= this.max ? this.waiting.shift() : undefined;
    if (next) next();
    else this.active--;
  }
}

/**
 * Runs fn over items with at most `width` at once, in order of the iterable, without materialising the results.
 * Every item runs even when some fail; the first error is rethrown at the end.
 */
export async function forEachLimit<T>(
  items: Iterable<T> | AsyncIterable<T>,
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let firstError: unknown;
  for await (const item of items) {
    const p: Promise<void> = fn(item).then(
      () => void running.delete(p),
      (err: unknown) => {
        running.delete(p);
        firstError ??= err;
      },
    );
    running.add(p);
    if (running.size >= width) await Promise.race(running);
  }
  await Promise.all(running);
  if (firstError !== undefined) throw firstError;
}
