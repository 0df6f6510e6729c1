import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createControlActivities } from '../activities/migration/control-activities';
import { createDataPlaneActivities } from '../activities/migration/data-plane-activities';
import { LedgerPool } from '../activities/migration/ledgers';
import type { TemporalSettings } from './settings';

export interface MigrationWorkers {
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Two workers on one host: the shared control queue (workflows and control activities) and this host's
 * data-plane queue (the activities that need the backup directory).
 */
export async function createWorkers(
  connection: NativeConnection,
  settings: TemporalSettings,
  opts: { workflowBundle?: WorkflowBundle; identity?: string } = {},
): Promise<MigrationWorkers> {
  const ledgers = new LedgerPool();
  const workflows = opts.workflowBundle
    ? { workflowBundle: opts.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };
  const common = { connection, namespace: settings.namespace, ...(opts.identity ? { identity: opts.identity } : {}) };
  const controlWorker = await Worker.create({
    ...common,
    taskQueue: settings.controlQueue,
    ...workflows,
    activities: createControlActivities(),
  });
  const dataWorker = await Worker.create({
    ...common,
    taskQueue: settings.dataPlaneQueue,
    activities: createDataPlaneActivities({ ledgers }),
    maxConcurrentActivityTaskExecutions: 4,
  });
  return {
    async run() {
      try {
        await Promise.all([controlWorker.run(), dataWorker.run()]);
      } finally {
        await ledgers.close();
      }
    },
    shutdown() {
      controlWorker.shutdown();
      dataWorker.shutdown();
    },
  };
}

export { NativeConnection };
