import { join } from 'node:path';
import { listDirNames, listJsonNames, splitAtLastDash } from './backup-store/layout';
import * as bags from './chef-api/resources/data-bags';
import * as coll from './chef-api/resources/json-collection';
import * as pol from './chef-api/resources/policies';
import type { OrgScope, WriteOutcome } from './chef-api/resources/scope';
import { segment } from './chef-api/paths';
import type { JsonObject } from './normalize';

/**
 * The org object types stored one JSON file per object, in the order a restore writes them
 * (ec-backup-format.md §3.3 phase B; groups come after clients so their members exist, policies before
 * policy groups). Adding a type is adding a row here and, if new, a resource file.
 */
export interface JsonKind {
  kind: string;
  /** Exists only on Chef Server 12+ (not on a single-tenant Chef 11 server such as goiardi). */
  multiTenantOnly: boolean;
  /** File of an object, relative to the org folder. */
  file(name: string): string;
  listLocal(orgDir: string): Promise<string[]>;
  listRemote(s: OrgScope): Promise<string[]>;
  getRemote(s: OrgScope, name: string): Promise<JsonObject | undefined>;
  /** Returns 'unchanged' where the type cannot be rewritten (immutable policy revisions). */
  writeRemote(s: OrgScope, name: string, body: JsonObject, exists?: boolean): Promise<WriteOutcome | 'unchanged'>;
  deleteRemote(s: OrgScope, name: string): Promise<void>;
  /** The ACL that belongs to an object: its type folder under acls/ and its name there. */
  acl?: { type: string; name(objectName: string): string };
  /** Objects that exist on every org and must never be created or deleted (e.g. `_default`). */
  builtIn?: (name: string) => boolean;
}

function collectionKind(c: coll.JsonCollection, multiTenantOnly: boolean, builtIn?: (n: string) => boolean): JsonKind {
  return {
    kind: c.api,
    multiTenantOnly,
    file: (name) => join(c.api, `${name}.json`),
    listLocal: (orgDir) => listJsonNames(join(orgDir, c.api)),
    listRemote: (s) => c.list(s),
    getRemote: (s, name) => c.get(s, name),
    writeRemote: (s, name, body, exists) => c.write(s, name, body, exists),
    deleteRemote: (s, name) => c.remove(s, name),
    acl: { type: c.api, name: (n) => n },
    builtIn,
  };
}

const splitItem = (name: string) => {
  const cut = name.indexOf('/');
  return { bag: name.slice(0, cut), id: name.slice(cut + 1) };
};

export const dataBagItems: JsonKind = {
  kind: 'data_bag_items',
  multiTenantOnly: false,
  file: (name) => {
    const { bag, id } = splitItem(name);
    return join('data_bags', bag, `${id}.json`);
  },
  async listLocal(orgDir) {
    const out: string[] = [];
    for (const bag of await listDirNames(join(orgDir, 'data_bags')))
      for (const id of await listJsonNames(join(orgDir, 'data_bags', bag))) out.push(`${bag}/${id}`);
    return out;
  },
  async listRemote(s) {
    const out: string[] = [];
    for (const bag of await bags.listBags(s))
      for (const id of (await bags.listItems(s, bag)) ?? []) out.push(`${bag}/${id}`);
    return out;
  },
  getRemote: (s, name) => bags.getItem(s, splitItem(name).bag, splitItem(name).id),
  writeRemote: (s, name, body, exists) => bags.writeItem(s, splitItem(name).bag, splitItem(name).id, body, exists),
  deleteRemote: (s, name) => bags.deleteItem(s, splitItem(name).bag, splitItem(name).id),
  acl: { type: 'data_bags', name: (n) => splitItem(n).bag },
};

const revisionRef = (name: string) => {
  const parts = splitAtLastDash(name);
  return { name: parts?.name ?? name, revision: parts?.version ?? '' };
};

export const policies: JsonKind = {
  kind: 'policies',
  multiTenantOnly: true,
  file: (name) => join('policies', `${name}.json`),
  listLocal: (orgDir) => listJsonNames(join(orgDir, 'policies')),
  listRemote: async (s) => (await pol.listPolicyRevisions(s)).map((r) => `${r.name}-${r.revision}`).sort(),
  getRemote: (s, name) => pol.getPolicyRevision(s, revisionRef(name)),
  async writeRemote(s, name, body) {
    return (await pol.createPolicyRevision(s, revisionRef(name).name, body)) === 'created' ? 'created' : 'unchanged';
  },
  deleteRemote: (s, name) => pol.deletePolicyRevision(s, revisionRef(name)),
  acl: { type: 'policies', name: (n) => revisionRef(n).name },
};

export const policyGroups: JsonKind = {
  kind: 'policy_groups',
  multiTenantOnly: true,
  file: (name) => join('policy_groups', `${name}.json`),
  listLocal: (orgDir) => listJsonNames(join(orgDir, 'policy_groups')),
  listRemote: (s) => pol.listPolicyGroups(s),
  getRemote: (s, name) => pol.getPolicyGroup(s, name),
  async writeRemote(s, name, body) {
    // A group is the set of (policy → revision) pointers: set each, drop those the backup does not have.
    const wanted = (body.policies ?? {}) as Record<string, { revision_id?: string }>;
    const current = await pol.getPolicyGroup(s, name);
    for (const [policy, ref] of Object.entries(wanted)) {
      const doc = await pol.getPolicyRevision(s, { name: policy, revision: String(ref.revision_id ?? '') });
      if (!doc)
        throw new Error(`policy group ${name} names ${policy} revision ${ref.revision_id}, which is not on the server`);
      await pol.setPolicyGroupPolicy(s, name, policy, doc);
    }
    for (const policy of Object.keys((current?.policies ?? {}) as object))
      if (!(policy in wanted)) await pol.removePolicyGroupPolicy(s, name, policy);
    return current ? 'updated' : 'created';
  },
  deleteRemote: (s, name) => pol.deletePolicyGroup(s, name),
  acl: { type: 'policy_groups', name: (n) => n },
};

export const JSON_KINDS: JsonKind[] = [
  collectionKind(coll.clients, false),
  collectionKind(coll.containers, true),
  dataBagItems,
  collectionKind(coll.environments, false, (n) => n === '_default'),
  collectionKind(coll.nodes, false),
  collectionKind(coll.roles, false),
  policies,
  policyGroups,
];

export function kindNamed(name: string): JsonKind {
  const kind = JSON_KINDS.find((k) => k.kind === name);
  if (!kind) throw new Error(`no object kind ${name}`);
  return kind;
}

/** Groups restore separately (topological order, special admin groups); they are backed up like the rest. */
export const GROUPS_KIND: JsonKind = collectionKind(coll.groups, true);

/** The API path of an object whose ACL lives in acls/<type>/<name>.json. */
export function aclObjectPath(s: OrgScope, type: string, name: string): string {
  if (type === 'organization') return `${s.base}/organization`;
  const api = type === 'data_bags' ? 'data' : type;
  return `${s.base}/${api}/${segment(name)}`;
}

export const ACL_TYPES = [
  'clients',
  'containers',
  'cookbook_artifacts',
  'cookbooks',
  'data_bags',
  'environments',
  'groups',
  'nodes',
  'policies',
  'policy_groups',
  'roles',
] as const;
