import { MemoryLedger, type Ledger } from '../ledger/ledger';
import { PgLedger } from '../ledger/pg-ledger';
import type { RestoreContext } from '../restore/context';
import { runRestore } from '../restore/run-restore';
import { importKeys, importUsers } from '../sql';
import type { OperationResult, RestoreOptions, RunHooks } from './options';
import { openServer } from './open-server';
import { engineContext, finish } from './run-context';

export async function openLedger(url?: string): Promise<Ledger> {
  return url ? PgLedger.connect(url) : new MemoryLedger();
}

/** `chef-migrate restore DIR` and the restore activity. */
export async function restore(o: RestoreOptions, hooks: RunHooks = {}): Promise<OperationResult> {
  const { client, info } = await openServer(o.destination, o.concurrency, { ...o, signal: hooks.signal });
  const ledger = hooks.ledger;
  const ownLedger = ledger ? undefined : await openLedger(o.ledgerUrl);
  try {
    const ctx: RestoreContext = {
      ...engineContext('restore', o, client, info, hooks.progress),
      ledger: ledger ?? (ownLedger as Ledger),
      destination: `${info.url}${o.singleTenantOrg ? `#${o.singleTenantOrg}` : ''}`,
      overwriteFrozen: o.overwriteFrozen === true,
      protectedUsers: new Set(o.overwritePivotal ? [o.destination.user] : ['pivotal', o.destination.user]),
    };
    const sql = o.sql;
    const { orgs } = await runRestore(ctx, {
      orgs: { only: o.onlyOrgs, exclude: o.excludeOrgs },
      singleTenantOrg: o.singleTenantOrg,
      skipUsers: o.skipUsers,
      skipUserAcls: o.skipUserAcls,
      hooks: sql
        ? {
            afterUsers: async () => {
              if (sql.users) await importUsers(sql.connection, o.dir, { dryRun: o.dryRun });
              if (sql.keys) await importKeys(sql.connection, o.dir, { kind: 'user', dryRun: o.dryRun });
            },
            afterOrgs: async () => {
              if (sql.keys) await importKeys(sql.connection, o.dir, { kind: 'client', dryRun: o.dryRun });
            },
          }
        : undefined,
    });
    return await finish('restore', ctx, orgs);
  } finally {
    await ownLedger?.close();
    await client.close();
  }
}
