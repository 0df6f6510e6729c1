import { join, relative } from 'node:path';
import { getAcl, putAcl } from '../chef-api/resources/acls';
import type { OrgScope } from '../chef-api/resources/scope';
import { readJsonFile } from '../backup-store/json-file';
import { listJsonNames } from '../backup-store/layout';
import { forEachLimit } from '../concurrency';
import { isolate } from '../engine/context';
import { ACL_TYPES, aclObjectPath } from '../kinds';
import { normalizeAcl } from '../normalize';
import { ledgerKey, writeTracked, type RestoreContext } from './context';
import { objectFailed } from './failed-objects';

/**
 * ACLs after every object and group exists: group ACLs first, then the others, the org's own last. An ACL
 * whose object is not on the destination is reported (orphan ACL), never fatal.
 */
export async function restoreAcls(ctx: RestoreContext, s: OrgScope, orgDir: string): Promise<void> {
  const types = ['groups', ...ACL_TYPES.filter((t) => t !== 'groups')];
  for (const type of types) {
    const names = await listJsonNames(join(orgDir, 'acls', type));
    await restoreAclFiles(
      ctx,
      s,
      type,
      names.map((name) => ({ name, file: join(orgDir, 'acls', type, `${name}.json`) })),
    );
  }
  await restoreAclFiles(ctx, s, 'organization', [
    { name: 'organization', file: join(orgDir, 'acls', 'organization.json') },
  ]);
}

async function restoreAclFiles(
  ctx: RestoreContext,
  s: OrgScope,
  type: string,
  files: { name: string; file: string }[],
) {
  const key = ledgerKey(ctx, s.org, `acls/${type}`);
  const known = await ctx.ledger.load(key);
  await forEachLimit(files, ctx.width, ({ name, file }) =>
    isolate(ctx, { org: s.org, kind: `acls/${type}`, name, path: relative(ctx.dir, file) }, async () => {
      const raw = await readJsonFile(file);
      if (raw === undefined) return;
      const acl = normalizeAcl(raw);
      const path = aclObjectPath(s, type, name);
      // The object failed earlier in this run and is reported for that: its ACL waits for it (next pass).
      if (objectFailed(ctx, s.org, { type, name }) && !known.has(name) && !(await getAcl(ctx.client, path)))
        return ctx.summary.add(`acls/${type}`, 'skipped');
      await writeTracked(ctx, key, known, name, acl, async (exists) => {
        const current = exists ? undefined : await getAcl(ctx.client, path);
        if (!exists && !current)
          throw new Error(
            `ACL for ${type}/${name}, an object that is not on the destination (orphan ACL): restore the object or remove the ACL file`,
          );
        await putAcl(ctx.client, path, acl, current);
      });
    }),
  );
}
