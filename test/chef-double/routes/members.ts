import { randomBytes } from 'node:crypto';
import { selfOrSuperuser, superuser } from '../authz';
import { orgUrl, type Ctx } from '../context';
import { badRequest, conflict, created, HttpError, notFound, reply } from '../http';
import { requiredString, sorted } from '../json';
import type { Router } from '../router';
import type { Org, ServerState } from '../state';
import { findUser, userBody } from './users';

/** Membership puts the user in the org's users group and lets the org's read-access group see the user. */
export function addMember(state: ServerState, org: Org, username: string): void {
  org.members.add(username);
  org.groups.get('users')?.users.add(username);
  for (const [id, invited] of org.invites) if (invited === username) org.invites.delete(id);
  const read = state.users.get(username)?.acl.read;
  const group = `::${org.name}_read_access_group`;
  if (read && !read.groups.includes(group)) read.groups = sorted([...read.groups, group]);
}

function removeMember(state: ServerState, org: Org, username: string): void {
  org.members.delete(username);
  for (const group of org.groups.values()) group.users.delete(username);
  const read = state.users.get(username)?.acl.read;
  if (read) read.groups = read.groups.filter((g) => g !== `::${org.name}_read_access_group`);
}

function findMember(ctx: Ctx): { org: Org; username: string } {
  const org = ctx.org();
  const username = ctx.param('user');
  if (!org.members.has(username)) throw notFound(`Cannot find a user ${username} in organization ${org.name}`);
  return { org, username };
}

function invite(ctx: Ctx) {
  const org = ctx.org();
  const username = requiredString(ctx.json(), 'user');
  if (!ctx.state.users.has(username)) throw notFound(`Could not find user ${username}.`);
  if (org.members.has(username) || [...org.invites.values()].includes(username)) {
    throw conflict('The association already exists.');
  }
  const id = randomBytes(16).toString('hex');
  org.invites.set(id, username);
  return created(orgUrl(ctx, 'association_requests', id));
}

/** The invited user's side: accept joins the org, reject drops the invitation. */
function answerInvite(ctx: Ctx) {
  const username = findUser(ctx.state, ctx.param('user')).username;
  const id = ctx.param('id');
  const org = [...ctx.state.orgs.values()].find((o) => o.invites.get(id) === username);
  if (!org) throw notFound(`Cannot find association request ${id} for user ${username}`);
  const response = requiredString(ctx.json(), 'response');
  if (response === 'accept') addMember(ctx.state, org, username);
  else if (response === 'reject') org.invites.delete(id);
  else throw badRequest(`Field 'response' invalid: expected accept or reject`);
  return reply({ organization: { name: org.name } });
}

const invitesOf = (state: ServerState, username: string) =>
  [...state.orgs.values()].flatMap((org) =>
    [...org.invites].filter(([, u]) => u === username).map(([id]) => ({ id, orgname: org.name })),
  );

export function memberRoutes(r: Router): void {
  r.get('/organizations/:org/users', (ctx) =>
    reply(sorted(ctx.org().members).map((username) => ({ user: { username } }))),
  );
  r.post(
    '/organizations/:org/users',
    (ctx) => {
      const org = ctx.org();
      const username = findUser(ctx.state, requiredString(ctx.json(), 'username')).username;
      if (org.members.has(username)) throw conflict('The association already exists.');
      addMember(ctx.state, org, username);
      return created(orgUrl(ctx, 'users', username));
    },
    { access: superuser },
  );
  r.get('/organizations/:org/users/:user', (ctx) =>
    reply(userBody(findUser(ctx.state, findMember(ctx).username), ctx.apiVersion)),
  );
  r.delete('/organizations/:org/users/:user', (ctx) => {
    const { org, username } = findMember(ctx);
    if (org.groups.get('admins')?.users.has(username)) {
      throw new HttpError(
        403,
        `Please remove ${username} from this organization's admins group before removing him or her from the organization.`,
      );
    }
    removeMember(ctx.state, org, username);
    return reply(userBody(findUser(ctx.state, username), ctx.apiVersion));
  });

  r.get('/organizations/:org/association_requests', (ctx) =>
    reply([...ctx.org().invites].map(([id, username]) => ({ id, username }))),
  );
  r.post('/organizations/:org/association_requests', invite);
  r.delete('/organizations/:org/association_requests/:id', (ctx) => {
    const org = ctx.org();
    const id = ctx.param('id');
    const username = org.invites.get(id);
    if (username === undefined) throw notFound(`Cannot find association request ${id}`);
    org.invites.delete(id);
    return reply({ id, username, orgname: org.name });
  });

  r.get(
    '/users/:user/association_requests',
    (ctx) => reply(invitesOf(ctx.state, findUser(ctx.state, ctx.param('user')).username)),
    {
      access: selfOrSuperuser,
    },
  );
  r.get(
    '/users/:user/association_requests/count',
    (ctx) => reply({ value: invitesOf(ctx.state, ctx.param('user')).length }),
    { access: selfOrSuperuser },
  );
  r.put('/users/:user/association_requests/:id', answerInvite, { access: selfOrSuperuser });
}
