import { NativeConnection } from '@temporalio/worker';
import { createWorkers } from './create-workers';
import { temporalSettings } from './settings';

/** `npm run worker`: connect, run both workers until SIGTERM/SIGINT (the SDK drains them), exit non-zero on error. */
async function main(): Promise<void> {
  const settings = temporalSettings();
  const connection = await NativeConnection.connect({ address: settings.address });
  try {
    const workers = await createWorkers(connection, settings);
    process.stderr.write(
      `worker: ${settings.address} namespace ${settings.namespace}, queues ${settings.controlQueue} and ${settings.dataPlaneQueue}\n`,
    );
    await workers.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
