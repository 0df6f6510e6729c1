import { access } from 'node:fs/promises';
import { orgScope } from '../chef-api/resources/scope';
import { layout, listDirNames } from '../backup-store/layout';
import { readMeta } from '../backup-store/sidecar';
import { isolateStep, selectOrgs, timedOrg, type OrgSelection } from '../engine/context';
import { BackupFormatError, ConfigError } from '../errors';
import { kindNamed } from '../kinds';
import { restoreAcls } from './acls';
import { withClaim, type RestoreContext } from './context';
import { restoreCookbooks } from './cookbooks';
import { restoreAdminGroupUsers, restoreGroups } from './groups';
import { restoreOrgIdentity } from './org-identity';
import { restoreDataBags, restoreJsonKind } from './org-objects';
import { restoreUserAcls, restoreUsers } from './users';

export interface RestorePlan {
  orgs: OrgSelection;
  /** Restore this org of the backup into a single-tenant (Chef 11) destination's root. */
  singleTenantOrg?: string;
  skipUsers?: boolean;
  skipUserAcls?: boolean;
  /** Runs between the users and the orgs (the SQL user import) and after the orgs (client keys). */
  hooks?: { afterUsers?: () => Promise<void>; afterOrgs?: () => Promise<void> };
}

/** Restore in the documented dependency order (ec-backup-format.md §3.1, §3.3), never aborting for one object. */
export async function runRestore(ctx: RestoreContext, plan: RestorePlan): Promise<{ orgs: string[] }> {
  try {
    await access(ctx.dir);
  } catch {
    throw new ConfigError(`backup directory ${ctx.dir} does not exist or cannot be read`);
  }
  const multiTenant = ctx.info.multiTenant;
  if (!multiTenant && !plan.singleTenantOrg)
    throw new ConfigError(
      `${ctx.info.url} has no organizations: name the backup's org to restore into it with --single-tenant-org NAME`,
    );
  const all = await listDirNames(layout.orgs(ctx.dir));
  const orgs = multiTenant ? selectOrgs(all, plan.orgs) : all.filter((o) => o === plan.singleTenantOrg);
  if (!multiTenant && !orgs.length)
    throw new ConfigError(
      `the backup has no organizations/${plan.singleTenantOrg}; it has: ${all.join(', ') || 'none'}`,
    );
  await readMeta(ctx.dir).catch((err: unknown) => {
    if (err instanceof BackupFormatError) throw new ConfigError(err.message);
    throw err;
  });

  if (!plan.skipUsers)
    await isolateStep(ctx, null, 'users', () =>
      withClaim(ctx, null, 'users', async () => void (await restoreUsers(ctx, !multiTenant))),
    );
  await plan.hooks?.afterUsers?.();
  for (const org of orgs) await timedOrg(ctx, org, () => restoreOrg(ctx, org));
  await plan.hooks?.afterOrgs?.();
  if (multiTenant && !plan.skipUserAcls)
    await isolateStep(ctx, null, 'user_acls', () => withClaim(ctx, null, 'user_acls', () => restoreUserAcls(ctx)));
  await ctx.ledger.flush();
  return { orgs };
}

type Step = readonly [string, () => Promise<unknown>];

// Cookbooks and cookbook artifacts share the org's checksum store: two workers restoring them at the same
// time would both be told to upload the same file.
const claimOf = (kind: string) => (kind === 'cookbooks' || kind === 'cookbook_artifacts' ? 'cookbook-files' : kind);

async function restoreOrg(ctx: RestoreContext, org: string): Promise<void> {
  const multiTenant = ctx.info.multiTenant;
  const s = orgScope(ctx.client, org, multiTenant);
  const orgDir = layout.org(ctx.dir, org);
  const json = (name: string): Step => [
    name,
    async () => {
      const kind = kindNamed(name);
      if (multiTenant || !kind.multiTenantOnly) await restoreJsonKind(ctx, s, orgDir, kind);
    },
  ];
  const steps: Step[] = [
    ...(multiTenant
      ? ([
          ['org', () => restoreOrgIdentity(ctx, org, orgDir)],
          ['groups', () => restoreAdminGroupUsers(ctx, s, orgDir)],
        ] as const)
      : []),
    json('clients'),
    json('containers'),
    [
      'cookbook_artifacts',
      async () => (multiTenant ? restoreCookbooks(ctx, s, orgDir, 'cookbook_artifacts') : undefined),
    ],
    ['cookbooks', () => restoreCookbooks(ctx, s, orgDir, 'cookbooks')],
    ['data_bags', () => restoreDataBags(ctx, s, orgDir)],
    json('data_bag_items'),
    json('environments'),
    json('nodes'),
    json('policies'),
    json('policy_groups'),
    json('roles'),
    ...(multiTenant
      ? ([
          ['groups', () => restoreGroups(ctx, s, orgDir)],
          ['acls', () => restoreAcls(ctx, s, orgDir)],
        ] as const)
      : []),
  ];
  for (const [kind, step] of steps)
    await isolateStep(ctx, org, kind, () => withClaim(ctx, org, claimOf(kind), async () => void (await step())));
  await ctx.ledger.flush();
}
