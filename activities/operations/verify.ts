import { ConfigError } from '../errors';
import { backupSide, serverSide, type Side } from '../verify/sides';
import { runVerify, type VerifyReport } from '../verify/run-verify';
import type { RunHooks, VerifyOptions } from './options';
import { openServer } from './open-server';

/** `chef-migrate verify` and the verify activity: zero differences or a list of them. */
export async function verify(o: VerifyOptions, hooks: RunHooks = {}): Promise<VerifyReport> {
  if (!o.dir && !o.source)
    throw new ConfigError('verify needs a backup directory or a --source server to compare with');
  const dest = await openServer(o.destination, o.concurrency, { ...o, signal: hooks.signal });
  const src = o.source ? await openServer(o.source, o.concurrency, { ...o, signal: hooks.signal }) : undefined;
  const onProgress = hooks.progress ? (done: number) => hooks.progress?.(`${done} objects compared`, done) : undefined;
  try {
    const expected: Side = src ? serverSide(src.client, src.info, o.singleTenantOrg) : backupSide(o.dir ?? '');
    const actual = serverSide(dest.client, dest.info, o.singleTenantOrg);
    const ignoreUsers = new Set(['pivotal', o.destination.user, ...(o.source ? [o.source.user] : [])]);
    const orgs = o.onlyOrgs?.length ? o.onlyOrgs : o.singleTenantOrg ? [o.singleTenantOrg] : undefined;
    return await runVerify(expected, actual, { orgs, width: o.concurrency, ignoreUsers, onProgress });
  } finally {
    await dest.client.close();
    await src?.client.close();
  }
}
