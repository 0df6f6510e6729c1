import { aclBody, isPerm, parseAcePut, type Ace, type Acl, type Perm } from '../acl';
import { selfOrSuperuser, superuser } from '../authz';
import type { Ctx } from '../context';
import { badRequest, notFound, reply } from '../http';
import type { Router } from '../router';
import type { Org, ServerState } from '../state';
import { findUser } from './users';

/** Collections whose members carry their own ACL (for cookbooks, artifacts and policies: one per name). */
const ACL_COLLECTIONS = [
  'clients',
  'containers',
  'cookbook_artifacts',
  'cookbooks',
  'data',
  'environments',
  'groups',
  'nodes',
  'policies',
  'policy_groups',
  'roles',
];

/** Global groups an ACL may name besides the org's own groups. */
function globalGroups(state: ServerState): Set<string> {
  const groups = new Set(['::server-admins']);
  for (const org of state.orgs.keys()) {
    groups.add(`::${org}_read_access_group`);
    groups.add(`::${org}_global_admins`);
  }
  return groups;
}

function perm(ctx: Ctx): Perm {
  const value = ctx.param('perm');
  if (!isPerm(value)) throw badRequest(`Invalid permission '${value}': expected create, read, update, delete or grant`);
  return value;
}

function rejectUnknown(kind: 'actor' | 'group', names: string[], where: string): void {
  if (names.length > 0) throw badRequest(`The ${kind}(s) ${names.join(', ')} do not exist ${where}.`);
}

/** Like erchef: an ACE may only name pivotal, the org's member users and clients, and existing groups. */
function checkOrgAce(state: ServerState, org: Org, ace: Ace): void {
  const isActor = (a: string) => a === 'pivotal' || org.members.has(a) || org.clients.has(a);
  rejectUnknown(
    'actor',
    ace.actors.filter((a) => !isActor(a)),
    'in this organization',
  );
  const global = globalGroups(state);
  rejectUnknown(
    'group',
    ace.groups.filter((g) => !org.groups.has(g) && !global.has(g)),
    'in this organization',
  );
}

function checkUserAce(state: ServerState, ace: Ace): void {
  rejectUnknown(
    'actor',
    ace.actors.filter((a) => !state.users.has(a)),
    'on this server',
  );
  const global = globalGroups(state);
  rejectUnknown(
    'group',
    ace.groups.filter((g) => !global.has(g)),
    'on this server',
  );
}

function orgAclRoutes(r: Router, path: string, key: (ctx: Ctx) => string): void {
  const find = (ctx: Ctx): Acl => {
    const acl = ctx.org().acls.get(key(ctx));
    if (!acl) throw notFound(`Cannot find ${key(ctx)} in organization ${ctx.param('org')}`);
    return acl;
  };
  r.get(`${path}/_acl`, (ctx) => reply(aclBody(find(ctx))));
  r.get(`${path}/_acl/:perm`, (ctx) => reply({ [perm(ctx)]: aclBody(find(ctx))[perm(ctx)] }));
  r.put(`${path}/_acl/:perm`, (ctx) => {
    const acl = find(ctx);
    const p = perm(ctx);
    const ace = parseAcePut(ctx.json(), p);
    checkOrgAce(ctx.state, ctx.org(), ace);
    acl[p] = ace;
    return reply({ [p]: ace });
  });
}

export function aclRoutes(r: Router): void {
  orgAclRoutes(r, '/organizations/:org/organization', () => 'organization');
  for (const collection of ACL_COLLECTIONS) {
    orgAclRoutes(r, `/organizations/:org/${collection}/:name`, (ctx) => `${collection}/${ctx.param('name')}`);
  }

  r.get('/users/:user/_acl', (ctx) => reply(aclBody(findUser(ctx.state, ctx.param('user')).acl)), {
    access: selfOrSuperuser,
  });
  r.put(
    '/users/:user/_acl/:perm',
    (ctx) => {
      const user = findUser(ctx.state, ctx.param('user'));
      const p = perm(ctx);
      const ace = parseAcePut(ctx.json(), p);
      checkUserAce(ctx.state, ace);
      user.acl[p] = ace;
      return reply({ [p]: ace });
    },
    { access: superuser },
  );
}
