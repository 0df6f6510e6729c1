import type { Ace, AclPerm } from './acl';
import type { BackupContext } from './context';
import { stripJsonExt } from './json';
import { memberNames } from './lookups';

export const SERVER_ADMINS = '::server-admins';
export const readAccessGroup = (org: string): string => `::${org}_read_access_group`;

/**
 * Users whose ACL restore writes: everyone in users/ except pivotal (restore skips it). Undefined for a backup taken
 * with --skip-useracl (no user_acls/ folder), which is restored with --skip-useracl too.
 */
export async function userAclUsers(ctx: BackupContext): Promise<string[] | undefined> {
  if (!(await ctx.isDir('user_acls'))) return undefined;
  return (await ctx.files('users', '.json')).map(stripJsonExt).filter((user) => user !== 'pivotal');
}

/** Organizations (of this run) each user belongs to: members read each other through the org's read-access group. */
export async function orgsByUser(ctx: BackupContext): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const org of ctx.orgs) {
    for (const user of (await memberNames(ctx, org)) ?? []) out.set(user, [...(out.get(user) ?? []), org]);
  }
  return out;
}

/** The groups every user ACL needs: ::server-admins on each permission, plus each org's read-access group on read. */
export const requiredUserAclGroups = (perm: AclPerm, orgs: readonly string[]): string[] =>
  perm === 'read' ? [SERVER_ADMINS, ...orgs.map(readAccessGroup)] : [SERVER_ADMINS];

export const defaultUserAce = (user: string, perm: AclPerm, orgs: readonly string[]): Ace => ({
  actors: ['pivotal', user],
  groups: requiredUserAclGroups(perm, orgs),
});
