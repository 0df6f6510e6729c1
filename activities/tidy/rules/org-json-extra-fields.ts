import { actionNeeded, fixFinding } from '../findings';
import { isObject, type JsonObject } from '../json';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'org-json-extra-fields';
const KEPT = ['name', 'full_name', 'guid'];

export const orgJsonExtraFields: Rule = {
  id,
  description:
    'Chef Server 12+ rejects an org object with fields other than name/full_name/guid (EC11 backups carry ' +
    'org_type, billing_plan, assigned_at, ...); the extra fields are dropped, a missing name/full_name is set to the ' +
    'org name.',
  async check(ctx) {
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      const rel = orgPath(org, 'org.json');
      const doc = await ctx.json(rel);
      // Missing or unparsable: reported by org-file-missing / invalid-json.
      if (doc === undefined) continue;
      if (!isObject(doc)) {
        findings.push(actionNeeded(id, rel, `org.json of organization ${org} is not a JSON object`));
        continue;
      }
      // guid is kept only when it is a string: the server assigns one, and an invented guid would not match anything.
      const extra = Object.keys(doc).filter(
        (key) => !KEPT.includes(key) || (key === 'guid' && typeof doc.guid !== 'string'),
      );
      const nameOf = (key: string): string | undefined => {
        const value = doc[key];
        return typeof value === 'string' && value !== '' ? value : undefined;
      };
      const missing = ['name', 'full_name'].filter((key) => nameOf(key) === undefined);
      if (extra.length === 0 && missing.length === 0) continue;
      const fixed: JsonObject = { name: nameOf('name') ?? org, full_name: nameOf('full_name') ?? org };
      if (typeof doc.guid === 'string') fixed.guid = doc.guid;
      const problems = [
        ...(extra.length > 0 ? [`extra fields ${extra.join(', ')}`] : []),
        ...(missing.length > 0 ? [`no ${missing.join('/')}`] : []),
      ];
      const changes = [
        ...(extra.length > 0 ? [`remove ${extra.join(', ')}`] : []),
        ...missing.map((key) => `set ${key} to ${org}`),
      ];
      findings.push(
        fixFinding(id, rel, `org.json of organization ${org} has ${problems.join(' and ')}`, changes.join('; ')),
      );
      ctx.setJson(rel, fixed);
    }
    return findings;
  },
};
