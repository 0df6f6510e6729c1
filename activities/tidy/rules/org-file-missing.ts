import { actionNeeded } from '../findings';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'org-file-missing';

// Restore aborts without these. No default is written: an empty members.json or invitations.json would make restore
// DELETE every member/invitation of an existing target org, and an invented org.json would overwrite its full name.
const REQUIRED = ['org.json', 'members.json', 'invitations.json'];

export const orgFileMissing: Rule = {
  id,
  description: 'org.json, members.json and invitations.json must exist in every organization folder.',
  async check(ctx) {
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      for (const name of REQUIRED) {
        const rel = orgPath(org, name);
        if (!(await ctx.exists(rel))) {
          findings.push(actionNeeded(id, rel, `organization ${org} has no ${name}; knife ec restore aborts on it`));
        }
      }
    }
    return findings;
  },
};
