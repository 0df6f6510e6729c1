import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { getAcl } from '../chef-api/resources/acls';
import type { OrgScope } from '../chef-api/resources/scope';
import { writeJsonFile } from '../backup-store/json-file';
import { listJsonNames } from '../backup-store/layout';
import type { DigestBook } from '../backup-store/sidecar';
import { forEachLimit } from '../concurrency';
import { isolate, passMemo, type EngineContext } from '../engine/context';
import { ACL_TYPES, aclObjectPath } from '../kinds';
import { contentDigest } from '../normalize';

/**
 * ACLs are fetched after the objects they belong to, for exactly the objects seen, so no ACL file is ever
 * written for an object that is not in the backup (orphan ACLs break knife-ec-backup restores).
 */
export async function backupAcls(
  ctx: EngineContext,
  s: OrgScope,
  orgDir: string,
  namesByType: Map<string, string[]>,
  digests: DigestBook,
): Promise<void> {
  const jobs: { type: string; name: string; file: string }[] = [];
  for (const type of ACL_TYPES) {
    const folder = join(orgDir, 'acls', type);
    if (!ctx.dryRun) await mkdir(folder, { recursive: true });
    const names = new Set(namesByType.get(type) ?? []);
    for (const name of names) jobs.push({ type, name, file: join(folder, `${name}.json`) });
    if (ctx.purge) {
      for (const local of await listJsonNames(folder)) {
        if (names.has(local)) continue;
        if (!ctx.dryRun) await rm(join(folder, `${local}.json`), { force: true });
        digests.delete(relative(ctx.dir, join(folder, `${local}.json`)));
        ctx.summary.add(`acls/${type}`, 'deleted');
      }
    }
  }
  jobs.push({ type: 'organization', name: 'organization', file: join(orgDir, 'acls', 'organization.json') });
  const memo = await passMemo(ctx, s.org, 'acls');
  await forEachLimit(jobs, ctx.width, (job) =>
    isolate(
      ctx,
      { org: s.org, kind: `acls/${job.type}`, name: job.name, path: relative(ctx.dir, job.file) },
      async () => {
        if (memo.done(`${job.type}/${job.name}`)) return ctx.summary.add(`acls/${job.type}`, 'skipped');
        const acl = await getAcl(ctx.client, aclObjectPath(s, job.type, job.name));
        if (!acl) return ctx.summary.add(`acls/${job.type}`, 'skipped');
        const changed = ctx.dryRun ? false : await writeJsonFile(job.file, acl);
        const d = contentDigest(acl);
        digests.set(relative(ctx.dir, job.file), d);
        await memo.mark(`${job.type}/${job.name}`, d);
        ctx.summary.add(`acls/${job.type}`, changed ? 'written' : 'unchanged');
      },
    ),
  );
}
