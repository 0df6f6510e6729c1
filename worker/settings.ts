import { hostname } from 'node:os';

/** Where the worker and the CLI find Temporal, and the task queues (the same names in docker-compose.yml). */
export interface TemporalSettings {
  address: string;
  namespace: string;
  controlQueue: string;
  dataPlaneQueue: string;
  uiUrl: string;
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    controlQueue: env.CHEF_MIGRATE_TASK_QUEUE ?? 'chef-migrate',
    // Per-host queue: the backup directory lives on this host, so its activities must run here.
    dataPlaneQueue: env.CHEF_MIGRATE_DATA_TASK_QUEUE ?? `chef-migrate-data@${hostname()}`,
    uiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
  };
}
