import type { PhaseRow } from './results';

export const TABLE_HEADER = [
  'phase',
  'objects',
  'requests',
  'obj/s',
  'req/s',
  'MB/s',
  'wall s',
  'peak RSS MB',
  'limit req/s',
  'engine/limit',
  'dest req',
  'incr/full',
] as const;

export const LIMIT_LABEL = '  limit: pre-signed replay';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => n.toFixed(digits);

/** The engine row of each phase, and under it the bare load generator's row for the same request mix. */
export function formatTable(rows: PhaseRow[]): string {
  const lines: string[][] = [[...TABLE_HEADER]];
  for (const r of rows) {
    lines.push([
      r.label,
      int(r.objects),
      int(r.requests),
      int(r.objectsPerSecond),
      int(r.requestsPerSecond),
      fixed(r.megabytesPerSecond, 2),
      fixed(r.seconds, 2),
      int(r.peakRssMb),
      int(r.limitRequestsPerSecond),
      fixed(r.ratio, 2),
      r.destinationRequests === undefined ? '-' : int(r.destinationRequests),
      r.incrementalToFull === undefined ? '-' : fixed(r.incrementalToFull, 2),
    ]);
    const l = r.limit;
    lines.push([
      LIMIT_LABEL,
      '-',
      int(l.requests),
      '-',
      int(l.requestsPerSecond),
      fixed(l.megabytesPerSecond, 2),
      fixed(l.seconds, 2),
      int(l.peakRssMb),
      '-',
      '-',
      '-',
      '-',
    ]);
  }
  const widths = TABLE_HEADER.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  const render = (l: string[]) =>
    l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(lines[0] ?? []), rule, ...lines.slice(1).map(render)].join('\n');
}
