import type { BackupContext } from '../context';
import { actionNeeded } from '../findings';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'invalid-json';

// The org folders ChefFS restores; anything else (e.g. knife-tidy's cookbooks.broken) is never read by a restore.
const ORG_DATA_DIRS = new Set([
  'acls',
  'clients',
  'containers',
  'data_bags',
  'environments',
  'groups',
  'nodes',
  'policies',
  'policy_groups',
  'roles',
]);
const COOKBOOK_DIRS = new Set(['cookbooks', 'cookbook_artifacts']);
// Other files in a cookbook are uploaded as opaque bytes, so only these two are ever parsed.
const COOKBOOK_JSON = ['metadata.json', 'status.json'];

async function jsonFilesUnder(ctx: BackupContext, relDir: string, out: string[]): Promise<void> {
  for (const name of await ctx.files(relDir, '.json')) out.push(`${relDir}/${name}`);
  for (const sub of await ctx.dirs(relDir)) await jsonFilesUnder(ctx, `${relDir}/${sub}`, out);
}

/** Every file a restore parses as JSON, in a stable order. */
async function restoredJsonFiles(ctx: BackupContext): Promise<string[]> {
  const out = (await ctx.files('', '.json')).slice();
  for (const dir of ['users', 'user_acls'])
    for (const name of await ctx.files(dir, '.json')) out.push(`${dir}/${name}`);
  for (const org of ctx.orgs) {
    for (const name of await ctx.files(orgPath(org), '.json')) out.push(orgPath(org, name));
    for (const sub of await ctx.dirs(orgPath(org))) {
      if (ORG_DATA_DIRS.has(sub)) await jsonFilesUnder(ctx, orgPath(org, sub), out);
      if (!COOKBOOK_DIRS.has(sub)) continue;
      for (const cookbook of await ctx.dirs(orgPath(org, sub))) {
        for (const name of COOKBOOK_JSON) {
          const rel = orgPath(org, sub, cookbook, name);
          if (await ctx.exists(rel)) out.push(rel);
        }
      }
    }
  }
  return out;
}

export const invalidJson: Rule = {
  id,
  description:
    'A file that is not valid JSON makes knife ec restore abort; it is reported and skipped by the other rules.',
  async check(ctx) {
    const findings: TidyFinding[] = [];
    for (const rel of await restoredJsonFiles(ctx)) {
      const error = await ctx.jsonError(rel);
      if (error !== undefined) findings.push(actionNeeded(id, rel, `${rel} is not valid JSON: ${error}`));
    }
    return findings;
  },
};
