import { join } from 'node:path';
import { orgScope } from '../chef-api/resources/scope';
import { listOrganizations } from '../chef-api/resources/organizations';
import { layout } from '../backup-store/layout';
import { DigestBook, writeMeta, type BackupMeta } from '../backup-store/sidecar';
import { isolateStep, selectOrgs, timedOrg, type EngineContext, type OrgSelection } from '../engine/context';
import { ConfigError } from '../errors';
import { GROUPS_KIND, JSON_KINDS } from '../kinds';
import { TOOL_VERSION } from '../tool-version';
import { backupAcls } from './acls';
import { backupCookbooks } from './cookbooks';
import { backupOrgIdentity } from './org-identity';
import { backupDataBagFolders, backupJsonKind } from './org-objects';
import { backupUsers } from './users';

export interface BackupPlan {
  orgs: OrgSelection;
  /** Back up a single-tenant (Chef 11) server as this org. */
  singleTenantOrg?: string;
  skipUserAcls?: boolean;
  readAllNodes?: boolean;
}

/** A full or incremental backup of a server into the knife-ec-backup layout; the per-object outcome is in ctx. */
export async function runBackup(ctx: EngineContext, plan: BackupPlan): Promise<{ orgs: string[] }> {
  const { info } = ctx;
  if (!info.multiTenant && !plan.singleTenantOrg) {
    throw new ConfigError(
      `${info.url} has no organizations (a Chef 11 style server, ${info.flavor} ${info.version}): name the org to back it up into with --single-tenant-org NAME`,
    );
  }
  if (info.multiTenant && plan.singleTenantOrg) {
    throw new ConfigError(`${info.url} has organizations: drop --single-tenant-org and use --only-org to choose orgs`);
  }
  const meta: BackupMeta = {
    tool: 'chef-ha-migrator',
    toolVersion: TOOL_VERSION,
    format: 1,
    startedAt: new Date().toISOString(),
    source: info,
    orgs: [],
    ...(plan.singleTenantOrg ? { singleTenantOrg: plan.singleTenantOrg } : {}),
  };
  if (!ctx.dryRun) await writeMeta(ctx.dir, meta);

  const globalDigests = await DigestBook.open(ctx.dir, null);
  const users = await backupUsers(ctx, globalDigests, {
    skipUserAcls: plan.skipUserAcls === true || !info.multiTenant,
  });
  if (!ctx.dryRun) await globalDigests.save();

  const orgs = info.multiTenant
    ? selectOrgs(await listOrganizations(ctx.client), plan.orgs)
    : [plan.singleTenantOrg ?? ''];
  for (const org of orgs) await timedOrg(ctx, org, () => backupOrg(ctx, org, users, plan));

  meta.orgs = orgs;
  meta.finishedAt = new Date().toISOString();
  if (!ctx.dryRun) await writeMeta(ctx.dir, meta);
  return { orgs };
}

async function backupOrg(ctx: EngineContext, org: string, users: string[], plan: BackupPlan): Promise<void> {
  const s = orgScope(ctx.client, org, ctx.info.multiTenant);
  const orgDir = layout.org(ctx.dir, org);
  const digests = await DigestBook.open(ctx.dir, org);
  await backupOrgIdentity(ctx, s, orgDir, users, digests);

  const kinds = [...JSON_KINDS, GROUPS_KIND].filter((k) => s.multiTenant || !k.multiTenantOnly);
  const aclNames = new Map<string, string[]>();
  const step = (kind: string, work: () => Promise<string[]>) =>
    isolateStep(ctx, org, kind, async () => void aclNames.set(kind, await work()));
  await Promise.all([
    step('data_bags', () => backupDataBagFolders(ctx, s, orgDir)),
    step('cookbooks', () => backupCookbooks(ctx, s, orgDir, 'cookbooks', digests)),
    s.multiTenant
      ? step('cookbook_artifacts', () => backupCookbooks(ctx, s, orgDir, 'cookbook_artifacts', digests))
      : undefined,
    ...kinds.map((kind) =>
      step(kind.kind, async () => [
        ...new Set((await backupJsonKind(ctx, s, orgDir, kind, digests, plan)).map((n) => kind.acl?.name(n) ?? n)),
      ]),
    ),
  ]);
  // data_bag_items' ACLs are the bags'; the data_bags step already listed every bag, empty ones included.
  aclNames.delete('data_bag_items');
  if (s.multiTenant) await isolateStep(ctx, org, 'acls', () => backupAcls(ctx, s, orgDir, aclNames, digests));
  if (!ctx.dryRun) await digests.save();
  await ctx.pass?.ledger.flush();
}

export const backupFolder = (dir: string, org: string) => join(layout.orgs(dir), org);
