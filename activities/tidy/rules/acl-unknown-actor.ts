import { aclNames, aclSubject, orgAclFiles, removeFromAcl } from '../acl';
import { actionNeeded, fixFinding } from '../findings';
import { isObject } from '../json';
import { clientNames, memberNames, userNames } from '../lookups';
import { newMemberEntry } from '../membership';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'acl-unknown-actor';

export const aclUnknownActor: Rule = {
  id,
  description:
    'An ACL actor must be an org member, a client or pivotal (restore: 400 "actor(s) do not exist"). A global user ' +
    'is added to members.json; a name that is both member and client is ambiguous and reported; an actor that does ' +
    'not exist at all is reported and dropped from the ACL.',
  async check(ctx) {
    const users = await userNames(ctx);
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      const membersRel = orgPath(org, 'members.json');
      // Without users/ or a readable members.json, "not a member" cannot be told apart from "unknown".
      const members = await memberNames(ctx, org);
      if (!users || !members) continue;
      const clients = await clientNames(ctx, org);
      for (const relInAcls of await orgAclFiles(ctx, org)) {
        const rel = orgPath(org, 'acls', relInAcls);
        const acl = await ctx.json(rel);
        if (!isObject(acl)) continue;
        const subject = `ACL of ${aclSubject(org, relInAcls)}`;
        for (const actor of aclNames(acl, 'actors')) {
          if (actor === 'pivotal') continue;
          const isMember = members.has(actor);
          const isClient = clients.has(actor);
          if (isMember && isClient) {
            findings.push(
              actionNeeded(
                id,
                rel,
                `${subject} names ${actor}, which is both a member and a client of organization ${org}; ` +
                  'the server cannot tell which one is meant (422)',
              ),
            );
          } else if (isMember || isClient) {
            continue;
          } else if (users.has(actor)) {
            findings.push(
              fixFinding(
                id,
                membersRel,
                `user ${actor} is named in ${relInAcls} (${subject}) but is not a member of organization ${org}`,
                `add ${actor} to members.json`,
              ),
            );
            const doc = await ctx.json(membersRel);
            if (Array.isArray(doc)) ctx.setJson(membersRel, [...doc, newMemberEntry(actor, doc)]);
            members.add(actor);
          } else {
            findings.push(
              actionNeeded(
                id,
                rel,
                `${subject} names actor ${actor}, which is neither a member, a client nor a user of ` +
                  `organization ${org}`,
                `remove ${actor} from the ACL`,
              ),
            );
            removeFromAcl(acl, 'actors', actor);
            ctx.setJson(rel, acl);
          }
        }
      }
    }
    return findings;
  },
};
