import { proxyActivities } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/migration/control-activities';
import type { DataPlaneActivities } from '../activities/migration/data-plane-activities';
import { RETRY_RULE, temporalRetryPolicy } from '../activities/retry-rule';
import type { MigrationPlan } from './types';

/**
 * Data-plane steps run on the queue of the host that holds the backup directory; they heartbeat, so a dead
 * worker is noticed within the plan's heartbeat timeout and the step retries (and resumes) elsewhere.
 */
export function dataPlane(plan: MigrationPlan) {
  return proxyActivities<DataPlaneActivities>({
    taskQueue: plan.taskQueues.dataPlane,
    startToCloseTimeout: '7 days',
    heartbeatTimeout: `${plan.heartbeatTimeoutSeconds} seconds`,
    retry: temporalRetryPolicy(plan.retry ?? RETRY_RULE),
  });
}

export function control(plan: MigrationPlan) {
  return proxyActivities<ControlActivities>({
    taskQueue: plan.taskQueues.control,
    startToCloseTimeout: '30 minutes',
    retry: temporalRetryPolicy(plan.retry ?? RETRY_RULE),
  });
}
