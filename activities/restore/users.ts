import { relative } from 'node:path';
import { apiPath } from '../chef-api/paths';
import { getAcl, putAcl } from '../chef-api/resources/acls';
import { deleteUser, listUsers, writeUser } from '../chef-api/resources/users';
import { readJsonFile } from '../backup-store/json-file';
import { layout, listJsonNames } from '../backup-store/layout';
import { forEachLimit } from '../concurrency';
import { isolate } from '../engine/context';
import type { JsonObject } from '../normalize';
import { ledgerKey, writeTracked, type RestoreContext } from './context';

/** Users first: everything in an org refers to them. POST, PUT on 409; pivotal and the acting user are never touched. */
export async function restoreUsers(ctx: RestoreContext, chef11: boolean): Promise<string[]> {
  const names = (await listJsonNames(layout.users(ctx.dir))).filter((n) => !ctx.protectedUsers.has(n));
  const key = ledgerKey(ctx, null, 'users');
  const known = await ctx.ledger.load(key);
  await forEachLimit(names, ctx.width, (name) => {
    const file = layout.user(ctx.dir, name);
    return isolate(ctx, { org: null, kind: 'users', name, path: relative(ctx.dir, file) }, async () => {
      const user = (await readJsonFile<JsonObject>(file)) ?? {};
      await writeTracked(ctx, key, known, name, user, (exists) => writeUser(ctx.client, name, user, chef11, exists));
    });
  });
  if (ctx.purge) {
    const keep = new Set(names);
    for (const remote of await listUsers(ctx.client)) {
      if (keep.has(remote) || ctx.protectedUsers.has(remote)) continue;
      await isolate(ctx, { org: null, kind: 'users', name: remote }, async () => {
        if (!ctx.dryRun) await deleteUser(ctx.client, remote);
        await ctx.ledger.deleted(key, remote);
        ctx.summary.add('users', 'deleted');
      });
    }
  }
  return names;
}

/** User ACLs last: they name groups and orgs that must exist by then. */
export async function restoreUserAcls(ctx: RestoreContext): Promise<void> {
  const names = (await listJsonNames(layout.userAcls(ctx.dir))).filter((n) => !ctx.protectedUsers.has(n));
  const key = ledgerKey(ctx, null, 'user_acls');
  const known = await ctx.ledger.load(key);
  await forEachLimit(names, ctx.width, (name) => {
    const file = layout.userAcl(ctx.dir, name);
    return isolate(ctx, { org: null, kind: 'user_acls', name, path: relative(ctx.dir, file) }, async () => {
      const acl = (await readJsonFile<JsonObject>(file)) ?? {};
      await writeTracked(ctx, key, known, name, acl, async (exists) => {
        const path = apiPath('users', name);
        await putAcl(ctx.client, path, acl, exists ? undefined : await getAcl(ctx.client, path));
      });
    });
  });
}
