import { getExternalWorkflowHandle, log, sleep, workflowInfo } from '@temporalio/workflow';
import { control, dataPlane } from './activity-proxies';
import { cutoverFinishedSignal } from './messages';
import type { CutoverResult, MigrationPlan } from './types';

/**
 * One org's cutover: a final pass, zero differences, then its nodes re-pointed and counted as they check in
 * on the new cluster. It reports back to the migration by signal (it may outlive the run that started it).
 */
export async function orgCutoverWorkflow(
  plan: MigrationPlan,
  org: string,
  migrationWorkflowId: string,
): Promise<CutoverResult> {
  const data = dataPlane(plan);
  const ctl = control(plan);
  const startedAt = new Date().toISOString();
  const result: CutoverResult = {
    org,
    verified: false,
    differences: -1,
    compared: 0,
    finalPassSeconds: 0,
    pointedObjects: 0,
    nodes: 0,
    checkedIn: 0,
    startedAt,
    finishedAt: startedAt,
  };
  const id = workflowInfo().workflowId;
  try {
    // Two tries: a node that checked in on the source during the first final pass is caught by the second.
    // The final passes read every node: a write that touched only automatic attributes (an API client, not a
    // chef-client run) leaves the fingerprint the loop's passes compare unchanged.
    for (let attempt = 1; attempt <= 2 && !result.verified; attempt++) {
      const pass = await data.incrementalPass(plan, [org], `${id}-final-${attempt}`, { readAllNodes: true });
      result.finalPassSeconds = pass.seconds;
      const v = await data.verifyTarget(plan, [org]);
      result.differences = v.differences;
      result.compared = v.compared;
      result.verified = v.differences === 0;
      if (!result.verified)
        log.warn(`cutover ${org}: ${v.differences} differences after final pass ${attempt}`, { sample: v.sample });
    }
    if (!result.verified) {
      result.note = `the destination still differs from the final backup in ${result.differences} objects; cutover stopped before re-pointing nodes`;
      return result;
    }
    const pointedAt = Math.floor(Date.now() / 1000);
    const pointed = await ctl.pointNodesAtNewServer(plan, org);
    result.pointedObjects = pointed.updated;
    if (pointed.missing.length) result.note = `not found, so not pointed: ${pointed.missing.join(', ')}`;
    const deadline = Date.now() + plan.cutover.checkinDeadlineSeconds * 1000;
    for (;;) {
      const counts = await ctl.countNodeCheckins(plan, org, pointedAt);
      result.nodes = counts.nodes;
      result.checkedIn = counts.checkedIn;
      if (counts.checkedIn >= counts.nodes || Date.now() >= deadline) break;
      await sleep(Math.min(plan.cutover.checkinPollSeconds * 1000, Math.max(1, deadline - Date.now())));
    }
    return result;
  } finally {
    result.finishedAt = new Date().toISOString();
    await getExternalWorkflowHandle(migrationWorkflowId).signal(cutoverFinishedSignal, result);
  }
}
