import { fixFinding } from '../findings';
import { userNames } from '../lookups';
import { memberName } from '../membership';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'member-unknown-user';

export const memberUnknownUser: Rule = {
  id,
  description: 'A member that is not in users/ cannot be associated with the org on restore; the entry is removed.',
  async check(ctx) {
    const users = await userNames(ctx);
    if (!users) return [];
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      const rel = orgPath(org, 'members.json');
      const doc = await ctx.json(rel);
      if (!Array.isArray(doc)) continue;
      const kept = doc.filter((entry) => {
        const user = memberName(entry);
        if (user !== undefined && users.has(user)) return true;
        const what =
          user === undefined
            ? `a member entry without a username (${JSON.stringify(entry)})`
            : `member ${user}, who is not in users/`;
        findings.push(fixFinding(id, rel, `organization ${org} lists ${what}`, 'remove the member entry'));
        return false;
      });
      if (kept.length !== doc.length) ctx.setJson(rel, kept);
    }
    return findings;
  },
};
