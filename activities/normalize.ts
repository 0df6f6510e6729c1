import { createHash } from 'node:crypto';
import { prettyJson } from './backup-store/json-file';

/**
 * ChefFS normalisation (ec-backup-format.md §1.4), in one place for backup, restore and verify:
 * `normalize` fills the defaults (the form written to disk and sent to servers), `comparable` drops what
 * legitimately differs between two servers (URLs, ids, timestamps) so equal objects compare equal.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const PERMS = ['create', 'read', 'update', 'delete', 'grant'] as const;

const obj = (v: unknown): JsonObject => (v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const sortedUnique = (v: string[]): string[] => [...new Set(v)].sort();
const bool = (v: unknown): boolean => v === true || v === 'true';

/** `foo` becomes `recipe[foo]`; duplicates go, order stays. */
export function normalizeRunList(v: unknown): string[] {
  const out: string[] = [];
  for (const item of strings(v)) {
    const full = /^(recipe|role)\[.+\]$/.test(item) ? item : `recipe[${item}]`;
    if (!out.includes(full)) out.push(full);
  }
  return out;
}

function withDefaults(o: JsonObject, defaults: JsonObject): JsonObject {
  const out: JsonObject = { ...defaults };
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

export function normalizeAcl(v: unknown): JsonObject {
  const acl = obj(v);
  const out: JsonObject = {};
  for (const perm of PERMS) {
    const ace = obj(acl[perm]);
    out[perm] = { actors: sortedUnique(strings(ace.actors)), groups: sortedUnique(strings(ace.groups)) };
  }
  return out;
}

export type Normalizer = (o: JsonObject, name: string, org: string) => JsonObject;

export const NORMALIZERS: Record<string, Normalizer> = {
  clients: (o, name, org) => {
    const { json_class: _drop, ...rest } = o;
    return withDefaults(
      { ...rest, admin: bool(o.admin), validator: bool(o.validator) },
      { name, clientname: name, admin: false, validator: false, chef_type: 'client', orgname: org },
    );
  },
  containers: (o, name) => withDefaults(o, { containername: name, containerpath: name }),
  groups: (o, name, org) => {
    const users = sortedUnique(strings(o.users));
    const clients = sortedUnique(strings(o.clients));
    const { actors: _actors, ...rest } = o;
    return withDefaults(
      { ...rest, users, clients, groups: sortedUnique(strings(o.groups)) },
      { name, groupname: name, orgname: org },
    );
  },
  environments: (o, name) =>
    withDefaults(o, {
      name,
      description: '',
      cookbook_versions: {},
      default_attributes: {},
      override_attributes: {},
      json_class: 'Chef::Environment',
      chef_type: 'environment',
    }),
  roles: (o, name) => {
    const envRunLists: JsonObject = {};
    for (const [env, list] of Object.entries(obj(o.env_run_lists))) envRunLists[env] = normalizeRunList(list);
    return withDefaults(
      { ...o, run_list: normalizeRunList(o.run_list), env_run_lists: envRunLists },
      {
        name,
        description: '',
        json_class: 'Chef::Role',
        chef_type: 'role',
        default_attributes: {},
        override_attributes: {},
      },
    );
  },
  nodes: (o, name) =>
    withDefaults(
      { ...o, run_list: normalizeRunList(o.run_list ?? []) },
      {
        name,
        json_class: 'Chef::Node',
        chef_type: 'node',
        chef_environment: '_default',
        override: {},
        normal: {},
        default: {},
        automatic: {},
      },
    ),
  data_bag_items: (o, name) => withDefaults(o, { id: name.slice(name.indexOf('/') + 1) }),
  policies: (o, name) => {
    const cut = name.lastIndexOf('-');
    return withDefaults(o, {
      name: name.slice(0, cut),
      revision_id: name.slice(cut + 1),
      run_list: [],
      cookbook_locks: {},
    });
  },
  policy_groups: (o, name) => {
    const { uri: _uri, ...rest } = o;
    return withDefaults(rest, { name, policies: {} });
  },
  acls: (o) => normalizeAcl(o),
  user_acls: (o) => normalizeAcl(o),
};

export function normalize(kind: string, o: unknown, name: string, org: string): JsonObject {
  const fn = NORMALIZERS[kind];
  return fn ? fn(obj(o), name, org) : obj(o);
}

/** Keys that differ between two servers holding the same object. */
const VOLATILE: Record<string, string[]> = {
  clients: ['orgname', 'uri', 'json_class', 'clientname'],
  groups: ['orgname', 'uri'],
  containers: ['uri'],
  policy_groups: ['uri'],
  org: ['guid', 'uri', 'org_type', 'billing_plan', 'clientname', 'assigned_at'],
};

export interface CompareContext {
  /** One side is a Chef 11 style server: compare only what it can hold. */
  chef11: boolean;
}

/** Only the fields every flavour of server keeps for a user. */
function comparableUser(o: JsonObject, name: string, ctx: CompareContext): JsonObject {
  const out: JsonObject = { username: (o.username ?? o.name ?? name) as Json };
  if (typeof o.public_key === 'string') out.public_key = o.public_key.trim();
  if (!ctx.chef11) {
    for (const k of ['email', 'display_name', 'first_name', 'last_name', 'middle_name'])
      if (k in o) out[k] = o[k] ?? null;
  }
  return out;
}

export function comparable(kind: string, o: unknown, name: string, org: string, ctx: CompareContext): Json {
  if (kind === 'users') return comparableUser(obj(o), name, ctx);
  if (kind === 'members' || kind === 'invitations') return sortedUnique(strings(o));
  const n = normalize(kind, o, name, org);
  for (const k of VOLATILE[kind] ?? []) delete n[k];
  if (kind === 'clients' && typeof n.public_key === 'string') n.public_key = n.public_key.trim();
  if (kind === 'org') return { name: n.name ?? name, full_name: n.full_name ?? name };
  return n;
}

/** Canonical JSON: sorted keys, no whitespace, so equal objects hash equal whatever their key order. */
export function canonicalJson(v: unknown): string {
  // Hand-rolled rather than entries/filter/sort/map: it runs on every object of a verify.
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + canonicalJson(v[i]);
    return out + ']';
  }
  const o = v as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(o).sort()) {
    const x = o[k];
    if (x === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(x);
    first = false;
  }
  return out + '}';
}

/** Key order does not matter: for comparing objects as two different servers serialise them. */
export function digest(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex');
}

/**
 * Key order matters: for comparing an object with itself at another time, as the same code read it from the
 * same source (the ledger, the digest book). It is the hash of the object's file text, so a backup that just
 * wrote the file has it for the price of a hash; several times cheaper than `digest` on a 20 kB node.
 */
export function contentDigest(v: unknown): string {
  return textDigest(prettyJson(v));
}

/** contentDigest of an object whose file text (prettyJson) is already at hand. */
export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
