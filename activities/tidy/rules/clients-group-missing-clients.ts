import { SIDECAR_DIR, type BackupContext } from '../context';
import { actionNeeded, fixFinding } from '../findings';
import { isObject, type JsonObject } from '../json';
import { clientNames } from '../lookups';
import { namesList } from '../names-list';
import { orgPath } from '../paths';
import type { Rule, TidyFinding } from '../types';

const id = 'clients-group-missing-clients';

export const clientsGroupMissingClients: Rule = {
  id,
  description:
    'groups/clients.json must list every client of the org (the validator included): restore aborts without the file ' +
    'and stops for confirmation when clients are missing; the missing clients are added.',
  async check(ctx) {
    const findings: TidyFinding[] = [];
    for (const org of ctx.orgs) {
      const rel = orgPath(org, 'groups', 'clients.json');
      const clients = [...(await clientNames(ctx, org))];
      if (!(await ctx.exists(rel))) {
        // Without a groups/ folder every group is missing; creating just this one would hide that.
        if (!(await ctx.isDir(orgPath(org, 'groups')))) {
          // An org backed up from a single-tenant (Chef 11, goiardi) server never has groups: nothing is missing.
          if (await isSingleTenantOrg(ctx, org)) continue;
          findings.push(actionNeeded(id, rel, `organization ${org} has no groups/ folder`));
          continue;
        }
        findings.push(
          fixFinding(id, rel, `organization ${org} has no clients group`, `create it with ${clients.length} client(s)`),
        );
        ctx.setJson(rel, { name: 'clients', groupname: 'clients', orgname: org, users: [], clients, groups: [] });
        continue;
      }
      const group = await ctx.json(rel);
      if (!isObject(group)) continue;
      const listed = Array.isArray(group.clients) ? group.clients : [];
      const missing = clients.filter((client) => !listed.includes(client));
      if (missing.length === 0) continue;
      findings.push(
        fixFinding(
          id,
          rel,
          `clients group of organization ${org} lacks ${missing.length} client(s): ${namesList(missing)}`,
          `add ${missing.length} client(s) to the group`,
        ),
      );
      group.clients = [...listed, ...missing];
      addToActors(group, missing);
      ctx.setJson(rel, group);
    }
    return findings;
  },
};

async function isSingleTenantOrg(ctx: BackupContext, org: string): Promise<boolean> {
  const meta = await ctx.json(`${SIDECAR_DIR}/backup.json`);
  return isObject(meta) && meta.singleTenantOrg === org;
}

// The raw API form also carries a flat `actors` list (users + clients); ChefFS only drops it while it still equals
// users + clients, so it has to grow with `clients` or the restore would send a stale member list.
function addToActors(group: JsonObject, added: string[]): void {
  if (!Array.isArray(group.actors)) return;
  const actors = group.actors;
  group.actors = [...actors, ...added.filter((name) => !actors.includes(name))];
}
