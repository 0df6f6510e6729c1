/** Counts of objects by kind and outcome; the run's exit status and its progress lines come from here. */
export type Outcome = 'written' | 'unchanged' | 'skipped' | 'deleted' | 'failed';
const OUTCOMES: Outcome[] = ['written', 'unchanged', 'skipped', 'deleted', 'failed'];

export type SummaryCounts = Record<string, Record<Outcome, number>>;

export class RunSummary {
  readonly counts: SummaryCounts = {};
  readonly startedAt = Date.now();
  onChange?: () => void;

  add(kind: string, outcome: Outcome, n = 1): void {
    const row = (this.counts[kind] ??= { written: 0, unchanged: 0, skipped: 0, deleted: 0, failed: 0 });
    row[outcome] += n;
    this.onChange?.();
  }

  total(outcome?: Outcome): number {
    return Object.values(this.counts).reduce(
      (sum, row) => sum + (outcome ? row[outcome] : OUTCOMES.reduce((s, o) => s + row[o], 0)),
      0,
    );
  }

  get failed(): number {
    return this.total('failed');
  }

  /** One short line: objects done, failed, rate. */
  progressLine(): string {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const done = this.total();
    return `${done} objects (${this.total('written')} written, ${this.total('unchanged')} unchanged, ${this.failed} failed) in ${seconds.toFixed(1)} s, ${(done / Math.max(seconds, 0.001)).toFixed(0)}/s`;
  }

  table(): string {
    const rows = Object.entries(this.counts).sort(([a], [b]) => a.localeCompare(b));
    const head = ['kind', ...OUTCOMES];
    const lines = [head, ...rows.map(([kind, c]) => [kind, ...OUTCOMES.map((o) => String(c[o]))])];
    const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
    return lines
      .map((l) =>
        l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
      )
      .join('\n');
  }
}
