import { aclNames, aclSubject, orgAclFiles, removeFromAcl } from '../acl';
import { fixFinding } from '../findings';
import { isObject } from '../json';
import { groupNames } from '../lookups';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'acl-unknown-group';

export const aclUnknownGroup: Rule = {
  id,
  description:
    'An ACL group that is not in groups/ makes the ACL update fail on restore; it is removed (the global groups ' +
    '::server-admins and ::<org>_read_access_group are never backed up and stay).',
  async check(ctx) {
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      const groups = await groupNames(ctx, org);
      if (!groups) continue;
      const global = new Set(['::server-admins', `::${org}_read_access_group`]);
      for (const relInAcls of await orgAclFiles(ctx, org)) {
        const rel = orgPath(org, 'acls', relInAcls);
        const acl = await ctx.json(rel);
        if (!isObject(acl)) continue;
        for (const group of aclNames(acl, 'groups')) {
          if (groups.has(group) || global.has(group)) continue;
          findings.push(
            fixFinding(
              id,
              rel,
              `ACL of ${aclSubject(org, relInAcls)} names group ${group}, which does not exist in organization ${org}`,
              `remove group ${group} from the ACL`,
            ),
          );
          removeFromAcl(acl, 'groups', group);
          ctx.setJson(rel, acl);
        }
      }
    }
    return findings;
  },
};
