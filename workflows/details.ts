import type { MigrationState } from './types';

/** The live "current details" panel of the workflow in the Temporal UI, as Markdown. */
export function renderDetails(state: MigrationState): string {
  const lines = [`**Phase:** ${state.phase}${state.paused ? ' (paused)' : ''}`];
  if (state.nextPassAt && state.phase === 'incremental-loop') lines.push(`**Next pass:** ${state.nextPassAt}`);
  if (state.failures) lines.push(`**Objects failed so far:** ${state.failures} (see the failure reports)`);
  if (state.tidy) lines.push(`**Tidy:** ${state.tidy.findings} findings, ${state.tidy.actionNeeded} need action`);
  const cv = state.clusterValidation;
  // Runs recorded before validation had a verdict carry a step result here: only a real verdict is shown.
  if (cv?.ok === true && !cv.skipped) lines.push('**Cluster validation:** passed');
  if (cv?.ok === false) lines.push(`**Cluster validation:** FAILED: ${cv.failed.join('; ')}`);
  if (state.lastVerify)
    lines.push(`**Last verify:** ${state.lastVerify.differences} differences in ${state.lastVerify.compared} objects`);
  const orgs = Object.entries(state.orgs);
  if (orgs.length) {
    lines.push('', '| org | status | last pass s | downtime estimate s | nodes checked in |', '|---|---|---|---|---|');
    for (const [name, o] of orgs) {
      const last = o.passSeconds.at(-1);
      const checkin = o.cutover ? `${o.cutover.checkedIn}/${o.cutover.nodes}` : '';
      lines.push(
        `| ${name} | ${o.status} | ${last?.toFixed(2) ?? ''} | ${o.downtimeEstimateSeconds?.toFixed(2) ?? ''} | ${checkin} |`,
      );
    }
  }
  return lines.join('\n');
}
