import { ACL_PERMS, ensureAce } from '../acl';
import { fixFinding } from '../findings';
import { isObject } from '../json';
import { userAclPath } from '../paths';
import type { Rule, TidyFinding } from '../types';
import { defaultUserAce, orgsByUser, requiredUserAclGroups, userAclUsers } from '../user-acl';

const id = 'user-acl-server-admins';

export const userAclServerAdmins: Rule = {
  id,
  description:
    'A user ACL must give every permission to ::server-admins and read to the read-access group of each org the user ' +
    'belongs to (knife-tidy); missing groups (and missing permissions) are added.',
  async check(ctx) {
    const users = await userAclUsers(ctx);
    if (!users) return [];
    const orgsOf = await orgsByUser(ctx);
    const findings: TidyFinding[] = [];
    for (const user of users) {
      const rel = userAclPath(user);
      const acl = await ctx.json(rel);
      if (!isObject(acl)) continue;
      const orgs = orgsOf.get(user) ?? [];
      const absentPerms: string[] = [];
      const lacking = new Map<string, string[]>();
      for (const perm of ACL_PERMS) {
        if (!isObject(acl[perm])) absentPerms.push(perm);
        const ace = ensureAce(acl, perm, defaultUserAce(user, perm, orgs));
        for (const group of requiredUserAclGroups(perm, orgs)) {
          if (ace.groups.includes(group)) continue;
          ace.groups.push(group);
          lacking.set(group, [...(lacking.get(group) ?? []), perm]);
        }
      }
      if (absentPerms.length === 0 && lacking.size === 0) continue;
      const problems = [
        ...(absentPerms.length > 0 ? [`has no ${absentPerms.join(', ')} permission`] : []),
        ...[...lacking].map(([group, perms]) => `lacks ${group} on ${perms.join(', ')}`),
      ];
      findings.push(
        fixFinding(
          id,
          rel,
          `user ACL of ${user} ${problems.join('; ')}`,
          absentPerms.length > 0 ? 'add the missing permissions and groups' : 'add the missing groups',
        ),
      );
      ctx.setJson(rel, acl);
    }
    return findings;
  },
};
