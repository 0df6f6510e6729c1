import type { ValidationReport } from '../types';

/**
 * The operator's view of a validation: one row per check (name, pass/FAIL, message) and a verdict line. Evidence is
 * only in the JSON form (`--json`): it is for machines and for digging, too long for a table.
 */
export function formatValidationReport(r: ValidationReport, opts: { json?: boolean } = {}): string {
  if (opts.json) return JSON.stringify(r, null, 2);
  const width = Math.max('CHECK'.length, ...r.checks.map((c) => c.name.length));
  const rows = r.checks.map((c) => `${c.name.padEnd(width)}  ${(c.pass ? 'pass' : 'FAIL').padEnd(6)}  ${c.message}`);
  const failedCount = r.checks.filter((c) => !c.pass).length;
  const verdict = r.ok
    ? `${r.checks.length} checks passed — cluster healthy`
    : `${r.checks.length} checks, ${failedCount} failed — cluster NOT healthy`;
  return [
    `${'CHECK'.padEnd(width)}  ${'RESULT'.padEnd(6)}  MESSAGE`,
    ...rows,
    '',
    `${verdict} (started ${r.startedAt}, ${r.seconds.toFixed(1)}s)`,
  ].join('\n');
}
