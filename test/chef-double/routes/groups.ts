import { defaultObjectAcl } from '../acl';
import { orgUrl, type Ctx } from '../context';
import { badRequest, conflict, created, notFound, reply } from '../http';
import { checkName, isObject, sorted, stringList, type JsonObject } from '../json';
import type { Router } from '../router';
import type { Group, Org, ServerState } from '../state';

function findGroup(ctx: Ctx): { org: Org; name: string; group: Group } {
  const org = ctx.org();
  const name = ctx.param('group');
  const group = org.groups.get(name);
  if (!group) throw notFound(`Cannot load group ${name}`);
  return { org, name, group };
}

/** API v0 lists users and clients together as `actors`, and separately too. */
function groupBody(org: Org, name: string, group: Group): JsonObject {
  const users = sorted(group.users);
  const clients = sorted(group.clients);
  return {
    actors: [...users, ...clients],
    users,
    clients,
    groups: sorted(group.groups),
    orgname: org.name,
    name,
    groupname: name,
  };
}

interface Membership {
  users?: string[];
  clients?: string[];
  groups?: string[];
}

/**
 * Accepts `{users, clients, groups}`, `{actors: {users, clients, groups}}` (what ChefFS sends) and the old flat
 * `{actors: [...]}` list, whose names are sorted into users and clients by what exists.
 */
function readMembership(state: ServerState, org: Org, body: JsonObject): Membership {
  const list = (value: unknown, what: string) => (value === undefined ? undefined : stringList(value, what));
  if (isObject(body.actors)) {
    return {
      users: list(body.actors.users, 'actors.users'),
      clients: list(body.actors.clients, 'actors.clients'),
      groups: list(body.actors.groups ?? body.groups, 'actors.groups'),
    };
  }
  if (Array.isArray(body.actors)) {
    const actors = stringList(body.actors, 'actors');
    return {
      users: actors.filter((a) => state.users.has(a) && !org.clients.has(a)),
      clients: actors.filter((a) => org.clients.has(a) || !state.users.has(a)),
      groups: list(body.groups, 'groups'),
    };
  }
  return {
    users: list(body.users, 'users'),
    clients: list(body.clients, 'clients'),
    groups: list(body.groups, 'groups'),
  };
}

function applyMembership(state: ServerState, org: Org, name: string, group: Group, m: Membership): void {
  const missing = (kind: string, names: string[] | undefined, exists: (n: string) => boolean): string[] =>
    (names ?? []).filter((n) => !exists(n)).map((n) => `${kind} ${n}`);
  const problems = [
    ...missing('user', m.users, (n) => state.users.has(n)),
    ...missing('client', m.clients, (n) => org.clients.has(n)),
    ...missing('group', m.groups, (n) => org.groups.has(n) && n !== name),
  ];
  if (problems.length > 0) {
    throw badRequest(`Cannot update group ${name}: ${problems.join(', ')} do(es) not exist in this organization`);
  }
  if (m.users) group.users = new Set(m.users);
  if (m.clients) group.clients = new Set(m.clients);
  if (m.groups) group.groups = new Set(m.groups);
}

function createGroup(ctx: Ctx) {
  const org = ctx.org();
  const body = ctx.json();
  const raw = body.groupname ?? body.name;
  if (typeof raw !== 'string' || raw === '') throw badRequest("Field 'groupname' missing");
  const name = checkName(raw, 'groupname');
  if (org.groups.has(name)) throw conflict('Group already exists');
  const group: Group = { users: new Set(), clients: new Set(), groups: new Set() };
  applyMembership(ctx.state, org, name, group, readMembership(ctx.state, org, body));
  org.groups.set(name, group);
  org.acls.set(`groups/${name}`, defaultObjectAcl(ctx.principal.name));
  return created(orgUrl(ctx, 'groups', name));
}

function updateGroup(ctx: Ctx) {
  const { org, name, group } = findGroup(ctx);
  const body = ctx.json();
  const newName = body.groupname ?? body.name ?? name;
  if (newName !== name) throw badRequest('Renaming groups is not supported by the chef double');
  applyMembership(ctx.state, org, name, group, readMembership(ctx.state, org, body));
  return reply(groupBody(org, name, group));
}

/** A deleted group also leaves the groups and ACLs that named it, as authz does. */
function deleteGroup(ctx: Ctx) {
  const { org, name, group } = findGroup(ctx);
  org.groups.delete(name);
  org.acls.delete(`groups/${name}`);
  for (const other of org.groups.values()) other.groups.delete(name);
  for (const acl of org.acls.values())
    for (const ace of Object.values(acl)) ace.groups = ace.groups.filter((g) => g !== name);
  return reply(groupBody(org, name, group));
}

export function groupRoutes(r: Router): void {
  r.get('/organizations/:org/groups', (ctx) =>
    reply(Object.fromEntries(sorted(ctx.org().groups.keys()).map((g) => [g, orgUrl(ctx, 'groups', g)]))),
  );
  r.post('/organizations/:org/groups', createGroup);
  r.get('/organizations/:org/groups/:group', (ctx) => {
    const { org, name, group } = findGroup(ctx);
    return reply(groupBody(org, name, group));
  });
  r.put('/organizations/:org/groups/:group', updateGroup);
  r.delete('/organizations/:org/groups/:group', deleteGroup);
}
