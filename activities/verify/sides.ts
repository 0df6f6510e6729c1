import { join } from 'node:path';
import type { ChefClient } from '../chef-api/client';
import { getAcl } from '../chef-api/resources/acls';
import {
  getManifest,
  listCookbookVersions,
  type CookbookKind,
  type CookbookManifest,
} from '../chef-api/resources/cookbooks';
import { listBags } from '../chef-api/resources/data-bags';
import { listInvitations, listMembers } from '../chef-api/resources/members';
import { getOrganization, listOrganizations } from '../chef-api/resources/organizations';
import { orgScope, type OrgScope } from '../chef-api/resources/scope';
import type { ServerInfo } from '../chef-api/resources/server-info';
import { getUser, listUsers } from '../chef-api/resources/users';
import { manifestFromDir } from '../backup-store/cookbook-dir';
import { readJsonFile } from '../backup-store/json-file';
import { layout, listDirNames, listJsonNames, splitAtLastDash, splitCookbookDir } from '../backup-store/layout';
import { readManifest } from '../backup-store/sidecar';
import { ACL_TYPES, aclObjectPath, GROUPS_KIND, JSON_KINDS, type JsonKind } from '../kinds';
import type { Json, JsonObject } from '../normalize';

/** One side of a comparison: a server or a backup directory, read the same way. Values are raw; the caller normalises. */
export interface Side {
  label: string;
  multiTenant: boolean;
  listUsers(): Promise<string[]>;
  readUser(name: string): Promise<Json | undefined>;
  listOrgs(): Promise<string[]>;
  list(org: string, kind: string): Promise<string[]>;
  read(org: string, kind: string, name: string): Promise<Json | undefined>;
}

export const COOKBOOK_KINDS: CookbookKind[] = ['cookbooks', 'cookbook_artifacts'];
export const SINGLETONS = ['org', 'members', 'invitations'];
const jsonKinds = [...JSON_KINDS, GROUPS_KIND];
const jsonKind = (kind: string): JsonKind | undefined => jsonKinds.find((k) => k.kind === kind);

/** Every kind compared in an org, for a side that is or is not multi-tenant. */
export function kindsToCompare(multiTenant: boolean): string[] {
  const json = jsonKinds.filter((k) => multiTenant || !k.multiTenantOnly).map((k) => k.kind);
  const cookbooks = multiTenant ? COOKBOOK_KINDS : ['cookbooks'];
  const acls = multiTenant ? [...ACL_TYPES.map((t) => `acls/${t}`), 'acls/organization'] : [];
  return [...(multiTenant ? SINGLETONS : []), ...json, 'data_bags', ...cookbooks, ...acls];
}

const fileSet = (m: CookbookManifest | undefined): Json | undefined =>
  m ? { files: m.files.map((f) => [f.path, f.checksum]), frozen: m.frozen } : undefined;

/** ACL names per type follow the objects: per object, per bag, per cookbook name, per policy name. */
async function aclNames(side: Side, org: string, type: string): Promise<string[]> {
  if (type === 'organization') return ['organization'];
  if (type === 'data_bags') return side.list(org, 'data_bags');
  if (type === 'cookbooks' || type === 'cookbook_artifacts')
    return [
      ...new Set(
        (await side.list(org, type)).map(
          (n) => (type === 'cookbooks' ? splitCookbookDir(n) : splitAtLastDash(n))?.name ?? n,
        ),
      ),
    ];
  const kind = jsonKind(type);
  return [...new Set((await side.list(org, type)).map((n) => kind?.acl?.name(n) ?? n))];
}

export function serverSide(client: ChefClient, info: ServerInfo, singleTenantOrg?: string): Side {
  const scope = (org: string): OrgScope => orgScope(client, org, info.multiTenant);
  const side: Side = {
    label: info.url,
    multiTenant: info.multiTenant,
    listUsers: () => listUsers(client),
    readUser: (name) => getUser(client, name),
    listOrgs: async () => (info.multiTenant ? listOrganizations(client) : [singleTenantOrg ?? '']),
    async list(org, kind) {
      if (SINGLETONS.includes(kind)) return [org];
      if (kind === 'data_bags') return listBags(scope(org));
      if (kind === 'cookbooks' || kind === 'cookbook_artifacts')
        return (await listCookbookVersions(scope(org), kind)).map((r) => `${r.name}-${r.version}`).sort();
      if (kind.startsWith('acls/')) return aclNames(side, org, kind.slice(5));
      return (await jsonKind(kind)?.listRemote(scope(org))) ?? [];
    },
    async read(org, kind, name) {
      const s = scope(org);
      if (kind === 'org') return info.multiTenant ? getOrganization(client, org) : { name: org, full_name: org };
      if (kind === 'members') return listMembers(client, org);
      if (kind === 'invitations') return (await listInvitations(client, org)).map((i) => i.username);
      if (kind === 'data_bags') return {};
      if (kind === 'cookbooks' || kind === 'cookbook_artifacts') {
        const ref = (kind === 'cookbooks' ? splitCookbookDir(name) : splitAtLastDash(name)) ?? { name, version: '' };
        return fileSet(await getManifest(s, kind, ref));
      }
      if (kind.startsWith('acls/')) return getAcl(client, aclObjectPath(s, kind.slice(5), name));
      return jsonKind(kind)?.getRemote(s, name);
    },
  };
  return side;
}

export function backupSide(dir: string): Side {
  const orgDir = (org: string) => layout.org(dir, org);
  const usernames = (list: unknown, pick: (e: JsonObject) => unknown) =>
    (Array.isArray(list) ? list : [])
      .map((e) => pick((e ?? {}) as JsonObject))
      .filter((u): u is string => typeof u === 'string');
  return {
    label: dir,
    multiTenant: true,
    listUsers: () => listJsonNames(layout.users(dir)),
    readUser: (name) => readJsonFile<Json>(layout.user(dir, name)),
    listOrgs: () => listDirNames(layout.orgs(dir)),
    async list(org, kind) {
      if (SINGLETONS.includes(kind)) return [org];
      if (kind === 'data_bags') return listDirNames(join(orgDir(org), 'data_bags'));
      if (kind === 'cookbooks' || kind === 'cookbook_artifacts') return listDirNames(join(orgDir(org), kind));
      if (kind === 'acls/organization')
        return (await readJsonFile(join(orgDir(org), 'acls', 'organization.json'))) ? ['organization'] : [];
      if (kind.startsWith('acls/')) return listJsonNames(join(orgDir(org), 'acls', kind.slice(5)));
      return (await jsonKind(kind)?.listLocal(orgDir(org))) ?? [];
    },
    async read(org, kind, name) {
      const base = orgDir(org);
      if (kind === 'org') return readJsonFile<Json>(join(base, 'org.json'));
      if (kind === 'members')
        return usernames(
          await readJsonFile(join(base, 'members.json')),
          (e) => (e.user as JsonObject | undefined)?.username ?? e.username,
        );
      if (kind === 'invitations')
        return usernames(await readJsonFile(join(base, 'invitations.json')), (e) => e.username);
      if (kind === 'data_bags') return {};
      if (kind === 'cookbooks' || kind === 'cookbook_artifacts') {
        const ref = (kind === 'cookbooks' ? splitCookbookDir(name) : splitAtLastDash(name)) ?? { name, version: '' };
        const m =
          (await readManifest(dir, org, kind, ref.name, ref.version)) ??
          (await manifestFromDir(join(base, kind, name), ref.name, ref.version));
        const status = await readJsonFile<{ frozen?: boolean }>(join(base, kind, name, 'status.json'));
        return fileSet({ ...m, frozen: status ? status.frozen === true : m.frozen });
      }
      if (kind === 'acls/organization') return readJsonFile<Json>(join(base, 'acls', 'organization.json'));
      if (kind.startsWith('acls/')) return readJsonFile<Json>(join(base, 'acls', kind.slice(5), `${name}.json`));
      const k = jsonKind(kind);
      return k ? readJsonFile<Json>(join(base, k.file(name))) : undefined;
    },
  };
}
