import { runBackup } from '../backup/run-backup';
import { exportKeys, exportUsers } from '../sql';
import type { BackupOptions, OperationResult, RunHooks } from './options';
import { openServer } from './open-server';
import { engineContext, finish } from './run-context';

/** `chef-migrate backup DIR` and the backup activity. */
export async function backup(o: BackupOptions, hooks: RunHooks = {}): Promise<OperationResult> {
  const { client, info } = await openServer(o.source, o.concurrency, { ...o, signal: hooks.signal });
  try {
    const ctx = engineContext('backup', o, client, info, hooks.progress);
    if (o.passId && hooks.ledger) ctx.pass = { ledger: hooks.ledger, id: o.passId };
    if (o.sql && !o.dryRun) {
      if (o.sql.users) await exportUsers(o.sql.connection, o.dir);
      if (o.sql.keys) await exportKeys(o.sql.connection, o.dir);
    }
    const { orgs } = await runBackup(ctx, {
      orgs: { only: o.onlyOrgs, exclude: o.excludeOrgs },
      singleTenantOrg: o.singleTenantOrg,
      skipUserAcls: o.skipUserAcls,
      readAllNodes: o.readAllNodes,
    });
    return await finish('backup', ctx, orgs);
  } finally {
    await client.close();
  }
}
