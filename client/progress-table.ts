import type { Progress } from '../workflows/types';

/** `chef-migrate status`: the progress query as a person reads it. */
export function formatProgress(p: Progress, url: string): string {
  const lines = [
    `${p.workflowId}  phase: ${p.phase}${p.paused ? ' (paused)' : ''}  passes: ${p.passNumber}  failed objects: ${p.failures}`,
    `UI: ${url}`,
  ];
  if (p.nextPassAt && p.phase === 'incremental-loop') lines.push(`next pass: ${p.nextPassAt}`);
  if (p.tidy)
    lines.push(
      `tidy: ${p.tidy.findings} findings, ${p.tidy.actionNeeded} need action${p.phase === 'awaiting-approval' ? ' (chef-migrate approve to go on)' : ''}`,
    );
  for (const [label, v] of [
    ['cluster validation', p.clusterValidation],
    ['target validation', p.targetValidation],
  ] as const) {
    if (typeof v?.ok !== 'boolean' || v.skipped) continue;
    lines.push(
      `${label}: ${v.ok ? 'all' : `${v.checks - v.failed.length} of`} ${v.checks} checks passed${v.ok ? '' : p.phase === 'awaiting-approval' ? ' (fix, then chef-migrate approve, or abort)' : ''}`,
    );
    for (const f of v.failed) lines.push(`  FAIL ${f}`);
  }
  if (p.lastVerify) lines.push(`verify: ${p.lastVerify.differences} differences in ${p.lastVerify.compared} objects`);
  const rows = Object.entries(p.orgs).map(([name, o]) => [
    name,
    o.status,
    o.passSeconds.at(-1)?.toFixed(2) ?? '-',
    o.downtimeEstimateSeconds?.toFixed(2) ?? '-',
    o.cutover ? `${o.cutover.checkedIn}/${o.cutover.nodes}` : '-',
  ]);
  const head = ['org', 'status', 'last pass s', 'downtime est. s', 'checked in'];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  lines.push('', ...all.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')));
  const last = p.steps.at(-1);
  if (last)
    lines.push(
      '',
      `last step: ${last.step}, ${last.seconds.toFixed(1)} s, ${last.failed} failed${last.failureReport ? ` (${last.failureReport})` : ''}`,
    );
  return lines.join('\n');
}
