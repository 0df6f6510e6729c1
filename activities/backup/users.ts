import { rm } from 'node:fs/promises';
import { relative } from 'node:path';
import { getAcl } from '../chef-api/resources/acls';
import { getUser, listUsers } from '../chef-api/resources/users';
import { apiPath } from '../chef-api/paths';
import { writeJsonFile } from '../backup-store/json-file';
import { layout, listJsonNames } from '../backup-store/layout';
import type { DigestBook } from '../backup-store/sidecar';
import { forEachLimit } from '../concurrency';
import { isolate, passMemo, type EngineContext } from '../engine/context';
import { contentDigest, normalizeAcl } from '../normalize';

/** Users and their ACLs (global), in parallel: knife-ec-backup does this one user at a time. */
export async function backupUsers(ctx: EngineContext, digests: DigestBook, opts: { skipUserAcls: boolean }) {
  const names = await listUsers(ctx.client);
  const memo = await passMemo(ctx, null, 'users');
  await forEachLimit(names, ctx.width, (name) =>
    isolate(ctx, { org: null, kind: 'users', name, path: `users/${name}.json` }, async () => {
      if (memo.done(name)) return ctx.summary.add('users', 'skipped');
      const user = await getUser(ctx.client, name);
      if (!user) return ctx.summary.add('users', 'skipped');
      const file = layout.user(ctx.dir, name);
      const changed = ctx.dryRun ? false : await writeJsonFile(file, user);
      const userDigest = contentDigest(user);
      digests.set(relative(ctx.dir, file), userDigest);
      ctx.summary.add('users', changed ? 'written' : 'unchanged');
      if (opts.skipUserAcls) return memo.mark(name, userDigest);
      const acl = await getAcl(ctx.client, apiPath('users', name));
      if (!acl) return;
      const aclFile = layout.userAcl(ctx.dir, name);
      const aclChanged = ctx.dryRun ? false : await writeJsonFile(aclFile, normalizeAcl(acl));
      digests.set(relative(ctx.dir, aclFile), contentDigest(normalizeAcl(acl)));
      ctx.summary.add('user_acls', aclChanged ? 'written' : 'unchanged');
      await memo.mark(name, userDigest);
    }),
  );
  if (ctx.purge) {
    const keep = new Set(names);
    for (const [folder, file] of [
      [layout.users(ctx.dir), layout.user],
      [layout.userAcls(ctx.dir), layout.userAcl],
    ] as const) {
      for (const local of await listJsonNames(folder)) {
        if (keep.has(local) || local === 'pivotal') continue;
        if (!ctx.dryRun) await rm(file(ctx.dir, local), { force: true });
        digests.delete(relative(ctx.dir, file(ctx.dir, local)));
        ctx.summary.add(folder === layout.users(ctx.dir) ? 'users' : 'user_acls', 'deleted');
      }
    }
  }
  return names;
}
