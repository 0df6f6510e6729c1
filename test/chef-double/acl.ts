import { badRequest } from './http';
import { isObject, sorted, stringList, type JsonObject } from './json';

export const PERMS = ['create', 'read', 'update', 'delete', 'grant'] as const;
export type Perm = (typeof PERMS)[number];

export interface Ace {
  actors: string[];
  groups: string[];
}
export type Acl = Record<Perm, Ace>;

export const isPerm = (value: string): value is Perm => (PERMS as readonly string[]).includes(value);

export function makeAcl(actorsFor: (perm: Perm) => string[], groupsFor: (perm: Perm) => string[]): Acl {
  const entry = (perm: Perm): Ace => ({ actors: sorted(actorsFor(perm)), groups: sorted(groupsFor(perm)) });
  return {
    create: entry('create'),
    read: entry('read'),
    update: entry('update'),
    delete: entry('delete'),
    grant: entry('grant'),
  };
}

/**
 * Deterministic stand-in for Chef's inherited container ACLs: pivotal, the creator and the admins group hold
 * every permission, users and clients may read. `self` (a client) may read and update itself, as in Chef.
 */
export function defaultObjectAcl(creator: string, self?: string): Acl {
  return makeAcl(
    (perm) => ['pivotal', creator, ...(self !== undefined && (perm === 'read' || perm === 'update') ? [self] : [])],
    (perm) => (perm === 'read' ? ['admins', 'clients', 'users'] : ['admins']),
  );
}

/** Users' own ACLs name global groups, which Chef prefixes with '::'. */
export function defaultUserAcl(username: string, orgs: Iterable<string>): Acl {
  const readAccess = [...orgs].map((org) => `::${org}_read_access_group`);
  return makeAcl(
    () => ['pivotal', username],
    (perm) => (perm === 'read' ? ['::server-admins', ...readAccess] : ['::server-admins']),
  );
}

export const aclBody = (acl: Acl): JsonObject =>
  Object.fromEntries(PERMS.map((perm) => [perm, { actors: [...acl[perm].actors], groups: [...acl[perm].groups] }]));

/**
 * Reads the body of `PUT <object>/_acl/<perm>`. Newer Chef servers may split actors into users and clients;
 * both forms are accepted and merged.
 */
export function parseAcePut(body: JsonObject, perm: Perm): Ace {
  const ace = body[perm];
  if (!isObject(ace)) throw badRequest(`Field '${perm}' missing`);
  if (ace.actors === undefined && ace.users === undefined && ace.clients === undefined) {
    throw badRequest(`Field '${perm}.actors' missing`);
  }
  const actors = [
    ...stringList(ace.actors, `${perm}.actors`),
    ...stringList(ace.users, `${perm}.users`),
    ...stringList(ace.clients, `${perm}.clients`),
  ];
  return { actors: sorted(actors), groups: sorted(stringList(ace.groups, `${perm}.groups`)) };
}
