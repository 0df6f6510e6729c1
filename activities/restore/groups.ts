import { join, relative } from 'node:path';
import { segment } from '../chef-api/paths';
import type { OrgScope } from '../chef-api/resources/scope';
import { readJsonFile } from '../backup-store/json-file';
import { listJsonNames } from '../backup-store/layout';
import { isolate } from '../engine/context';
import { normalize, type JsonObject } from '../normalize';
import { ledgerKey, writeTracked, type RestoreContext } from './context';
import { isolateObject } from './failed-objects';

const ADMIN_GROUPS = ['admins', 'billing-admins'];

interface LocalGroup {
  name: string;
  body: JsonObject;
  subgroups: string[];
}

async function loadGroups(ctx: RestoreContext, s: OrgScope, orgDir: string): Promise<Map<string, LocalGroup>> {
  const groups = new Map<string, LocalGroup>();
  for (const name of await listJsonNames(join(orgDir, 'groups'))) {
    const file = join(orgDir, 'groups', `${name}.json`);
    const ref = { org: s.org, kind: 'groups', name, path: relative(ctx.dir, file) };
    await isolateObject(ctx, ref, { type: 'groups', name }, async () => {
      const body = normalize('groups', await readJsonFile(file), name, s.org);
      groups.set(name, { name, body, subgroups: (body.groups as string[] | undefined) ?? [] });
    });
  }
  return groups;
}

/**
 * Children before parents. A sub-group the backup does not have, and the edge that closes a cycle, are
 * reported and left out instead of aborting the restore as knife-ec-backup does.
 */
export function topologicalOrder(groups: Map<string, LocalGroup>): {
  order: string[];
  dropped: { group: string; subgroup: string; why: string }[];
} {
  const order: string[] = [];
  const dropped: { group: string; subgroup: string; why: string }[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    state.set(name, 'visiting');
    const g = groups.get(name);
    for (const sub of g?.subgroups ?? []) {
      if (!groups.has(sub)) dropped.push({ group: name, subgroup: sub, why: 'is not in the backup' });
      else if (state.get(sub) === 'visiting')
        dropped.push({ group: name, subgroup: sub, why: 'closes a cycle of groups' });
      else if (!state.has(sub)) visit(sub);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...groups.keys()].sort()) if (!state.has(name)) visit(name);
  return { order, dropped };
}

const groupPath = (s: OrgScope, name: string) => `${s.base}/groups/${segment(name)}`;

/** Groups are created empty and filled by a PUT; a group known to exist is PUT straight away. */
async function putGroup(
  s: OrgScope,
  name: string,
  members: { users: string[]; clients: string[]; groups: string[] },
  exists = false,
): Promise<void> {
  const put = async () =>
    (
      await s.client.request('PUT', groupPath(s, name), {
        body: { groupname: name, name, actors: members },
        accept: [404],
      })
    ).status;
  if (exists && (await put()) !== 404) return;
  await s.client.request('POST', `${s.base}/groups`, { body: { groupname: name, name }, accept: [409] });
  if ((await put()) === 404) throw new Error(`group ${name} could not be created on the destination`);
}

/**
 * Phase A: the admin groups with their users only, before anything else is written in the org (an org
 * admin must be able to act at once). Only for groups never restored before: later passes go straight to
 * the full group pass.
 */
export async function restoreAdminGroupUsers(ctx: RestoreContext, s: OrgScope, orgDir: string): Promise<void> {
  const seededKey = ledgerKey(ctx, s.org, 'admin-groups-seeded');
  if ((await ctx.ledger.load(seededKey)).size) return;
  const known = await ctx.ledger.load(ledgerKey(ctx, s.org, 'groups'));
  for (const name of ADMIN_GROUPS.filter((g) => !known.has(g))) {
    const file = join(orgDir, 'groups', `${name}.json`);
    await isolate(ctx, { org: s.org, kind: 'groups', name, path: relative(ctx.dir, file) }, async () => {
      const raw = await readJsonFile(file);
      if (raw === undefined || ctx.dryRun) return;
      const body = normalize('groups', raw, name, s.org);
      await putGroup(s, name, { users: (body.users as string[]) ?? [], clients: [], groups: [] });
    });
  }
  if (!ctx.dryRun) await ctx.ledger.written(seededKey, s.org, 'done');
}

/** Every group with full membership, in topological order. */
export async function restoreGroups(ctx: RestoreContext, s: OrgScope, orgDir: string): Promise<void> {
  const groups = await loadGroups(ctx, s, orgDir);
  const { order, dropped } = topologicalOrder(groups);
  for (const d of dropped) {
    ctx.failures.record(
      { org: s.org, kind: 'groups', name: d.group, path: `organizations/${s.org}/groups/${d.group}.json` },
      new Error(`group ${d.group} names sub-group ${d.subgroup}, which ${d.why}; restored without it`),
    );
    const g = groups.get(d.group);
    if (g) g.subgroups = g.subgroups.filter((x) => x !== d.subgroup);
  }
  const key = ledgerKey(ctx, s.org, 'groups');
  const known = await ctx.ledger.load(key);
  for (const name of order) {
    const g = groups.get(name);
    if (!g) continue;
    const users = (g.body.users as string[]) ?? [];
    const clients = (g.body.clients as string[]) ?? [];
    const ref = { org: s.org, kind: 'groups', name, path: `organizations/${s.org}/groups/${name}.json` };
    await isolateObject(ctx, ref, { type: 'groups', name }, () =>
      writeTracked(ctx, key, known, name, { users, clients, groups: g.subgroups }, (exists) =>
        putGroup(s, name, { users, clients, groups: g.subgroups }, exists),
      ),
    );
  }
}
