import path from 'node:path';
import type { BackupContext } from './context';
import { isObject, type Json, type JsonObject } from './json';
import { orgPath } from './paths';

export const ACL_PERMS = ['create', 'read', 'update', 'delete', 'grant'] as const;
export type AclPerm = (typeof ACL_PERMS)[number];
export type AceKey = 'actors' | 'groups';
export interface Ace {
  actors: string[];
  groups: string[];
}

/** Distinct names under `key` across the five permissions, in first-seen order; malformed parts are skipped. */
export function aclNames(acl: JsonObject, key: AceKey): string[] {
  const seen = new Set<string>();
  for (const perm of ACL_PERMS) {
    const ace = acl[perm];
    const list = isObject(ace) ? ace[key] : undefined;
    if (Array.isArray(list)) for (const name of list) if (typeof name === 'string') seen.add(name);
  }
  return [...seen];
}

export function removeFromAcl(acl: JsonObject, key: AceKey, name: string): void {
  for (const perm of ACL_PERMS) {
    const ace = acl[perm];
    const list = isObject(ace) ? ace[key] : undefined;
    if (Array.isArray(list) && isObject(ace)) ace[key] = list.filter((entry) => entry !== name);
  }
}

/**
 * The permission's actors/groups lists, made well-formed in place (a missing permission gets `fallback`) so callers can
 * push onto them; restore reads all five permissions and fails on a missing one.
 */
export function ensureAce(acl: JsonObject, perm: AclPerm, fallback: Ace): { actors: Json[]; groups: Json[] } {
  let ace = acl[perm];
  if (!isObject(ace)) {
    ace = { actors: [...fallback.actors], groups: [...fallback.groups] };
    acl[perm] = ace;
  }
  if (!Array.isArray(ace.actors)) ace.actors = [];
  if (!Array.isArray(ace.groups)) ace.groups = [];
  return { actors: ace.actors, groups: ace.groups };
}

export const aclFromAces = (aces: Record<AclPerm, Ace>): JsonObject =>
  Object.fromEntries(
    ACL_PERMS.map((perm) => [perm, { actors: [...aces[perm].actors], groups: [...aces[perm].groups] }]),
  );

const SUBJECT_TYPES: Record<string, string> = {
  clients: 'client',
  containers: 'container',
  cookbook_artifacts: 'cookbook artifact',
  cookbooks: 'cookbook',
  data_bags: 'data bag',
  environments: 'environment',
  groups: 'group',
  nodes: 'node',
  policies: 'policy',
  policy_groups: 'policy group',
  roles: 'role',
};

/** Human name of the object an org ACL file belongs to, e.g. "client web01" for acls/clients/web01.json. */
export function aclSubject(org: string, relInAcls: string): string {
  if (relInAcls === 'organization.json') return `organization ${org}`;
  const [type, ...rest] = relInAcls.split('/');
  const name = path.posix.basename(rest.join('/'), '.json');
  const label = type === undefined ? undefined : SUBJECT_TYPES[type];
  return label && rest.length > 0 ? `${label} ${name}` : relInAcls;
}

/** Every ACL file of an org (acls/*.json and acls/<type>/**), relative to the acls folder. */
export async function orgAclFiles(ctx: BackupContext, org: string): Promise<string[]> {
  const base = orgPath(org, 'acls');
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const dir = rel ? `${base}/${rel}` : base;
    for (const name of await ctx.files(dir, '.json')) out.push(rel ? `${rel}/${name}` : name);
    for (const sub of await ctx.dirs(dir)) await walk(rel ? `${rel}/${sub}` : sub);
  };
  await walk('');
  return out;
}
