import { aclFromAces, ensureAce, type Ace, type AclPerm } from '../acl';
import { fixFinding } from '../findings';
import { isObject } from '../json';
import { clientNames, groupNames } from '../lookups';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'client-acl-missing-defaults';
const READ_GROUPS = ['admins', 'users'];

/** Chef Server 12.5+'s default client ACL (knife-tidy's), limited to groups and actors that exist in this backup. */
function defaultClientAces(
  client: string,
  validator: string | undefined,
  groups: (names: string[]) => string[],
): Record<AclPerm, Ace> {
  const actors = (...names: (string | undefined)[]): string[] => [
    ...new Set(names.filter((name): name is string => name !== undefined)),
  ];
  const ace = (actorNames: string[], groupNames: string[]): Ace => ({ actors: actorNames, groups: groups(groupNames) });
  return {
    create: ace(actors('pivotal', validator, client), ['admins']),
    read: ace(actors('pivotal', validator, client), ['admins', 'users']),
    update: ace(actors('pivotal', client), ['admins']),
    delete: ace(actors('pivotal', client), ['admins', 'users']),
    grant: ace(actors('pivotal', client), ['admins']),
  };
}

export const clientAclMissingDefaults: Rule = {
  id,
  description:
    'Backups from servers before 12.5 lack client ACLs or read access for the users/admins groups (knife-tidy #63); ' +
    'the default ACL is written or the groups are added to read.',
  async check(ctx) {
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      const existing = await groupNames(ctx, org);
      // acl-unknown-group would strip a group this backup does not have, so only existing groups are added.
      if (!existing) continue;
      const groups = (names: string[]): string[] => names.filter((name) => existing.has(name));
      const clients = await clientNames(ctx, org);
      const validator = clients.has(`${org}-validator`) ? `${org}-validator` : undefined;
      for (const client of clients) {
        const rel = orgPath(org, 'acls', 'clients', `${client}.json`);
        const defaults = defaultClientAces(client, validator, groups);
        if (!(await ctx.exists(rel))) {
          findings.push(
            fixFinding(id, rel, `client ${client} of organization ${org} has no ACL`, 'write the default client ACL'),
          );
          ctx.setJson(rel, aclFromAces(defaults));
          continue;
        }
        const acl = await ctx.json(rel);
        if (!isObject(acl)) continue;
        const hadRead = isObject(acl.read) && Array.isArray(acl.read.groups);
        const read = ensureAce(acl, 'read', defaults.read);
        const missing = groups(READ_GROUPS).filter((group) => !read.groups.includes(group));
        if (hadRead && missing.length === 0) continue;
        read.groups.push(...missing);
        ctx.setJson(rel, acl);
        if (!hadRead) {
          findings.push(
            fixFinding(
              id,
              rel,
              `ACL of client ${client} has no valid read permission`,
              'write the default read permission',
            ),
          );
          continue;
        }
        findings.push(
          fixFinding(
            id,
            rel,
            `ACL of client ${client} does not give read to group(s) ${missing.join(', ')}`,
            `add ${missing.join(', ')} to read`,
          ),
        );
      }
    }
    return findings;
  },
};
