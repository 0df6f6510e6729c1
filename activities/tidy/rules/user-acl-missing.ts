import { ACL_PERMS, aclFromAces, type Ace, type AclPerm } from '../acl';
import { fixFinding } from '../findings';
import { userAclPath } from '../paths';
import type { Rule, TidyFinding } from '../types';
import { defaultUserAce, orgsByUser, userAclUsers } from '../user-acl';

const id = 'user-acl-missing';

export const userAclMissing: Rule = {
  id,
  description:
    'Restore reads user_acls/<user>.json for every user; a missing one is written with the server default ' +
    '(pivotal and the user as actors, ::server-admins, and the read-access group of each org on read).',
  async check(ctx) {
    const users = await userAclUsers(ctx);
    if (!users) return [];
    const orgsOf = await orgsByUser(ctx);
    const findings: TidyFinding[] = [];
    for (const user of users) {
      const rel = userAclPath(user);
      if (await ctx.exists(rel)) continue;
      const orgs = orgsOf.get(user) ?? [];
      const aces = Object.fromEntries(ACL_PERMS.map((perm) => [perm, defaultUserAce(user, perm, orgs)]));
      findings.push(fixFinding(id, rel, `user ${user} has no user ACL`, 'write the default user ACL'));
      ctx.setJson(rel, aclFromAces(aces as Record<AclPerm, Ace>));
    }
    return findings;
  },
};
