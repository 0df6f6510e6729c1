import { fixFinding } from '../findings';
import { userNames } from '../lookups';
import { invitationName } from '../membership';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'invitation-unknown-user';

export const invitationUnknownUser: Rule = {
  id,
  description:
    'Invitations for a null username or a user not in users/ (deleted users, chef-server #80) fail on restore; ' +
    'they are removed.',
  async check(ctx) {
    const users = await userNames(ctx);
    if (!users) return [];
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      const rel = orgPath(org, 'invitations.json');
      const doc = await ctx.json(rel);
      if (!Array.isArray(doc)) continue;
      const kept = doc.filter((entry) => {
        const user = invitationName(entry);
        if (user !== undefined && users.has(user)) return true;
        const who = user === undefined ? 'with no username' : `for user ${user}, who is not in users/`;
        findings.push(fixFinding(id, rel, `organization ${org} has an invitation ${who}`, 'remove the invitation'));
        return false;
      });
      if (kept.length !== doc.length) ctx.setJson(rel, kept);
    }
    return findings;
  },
};
