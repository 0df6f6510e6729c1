import { defaultUserAcl } from '../acl';
import { selfOrSuperuser, superuser } from '../authz';
import type { Ctx } from '../context';
import { badRequest, conflict, created, notFound, reply } from '../http';
import { checkName, optionalString, requiredString, sorted, USERNAME_RE, type JsonObject } from '../json';
import { actorKey } from '../keys';
import type { Router } from '../router';
import type { ServerState, User } from '../state';
import { keyRoutes } from './keys';

/** Request fields that are not part of the stored user object. */
const NOT_STORED = ['username', 'name', 'password', 'public_key', 'private_key', 'create_key', 'chef_key', 'uri'];
const EMAIL_RE = /^[^@\s]+@[^@\s]+$/;

export function findUser(state: ServerState, username: string): User {
  const user = state.users.get(username);
  if (!user) throw notFound(`Cannot load user ${username}`);
  return user;
}

/** API v0 embeds the default public key; v1+ exposes keys only through /keys. */
export function userBody(user: User, apiVersion: number): JsonObject {
  const body: JsonObject = { username: user.username, ...user.fields };
  if (apiVersion < 1) body.public_key = user.keys.get('default')?.publicKey ?? null;
  return body;
}

const storedFields = (body: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(body).filter(([k]) => !NOT_STORED.includes(k)));

function checkEmail(state: ServerState, email: string, self?: string): void {
  if (!EMAIL_RE.test(email)) throw badRequest(`Field 'email' invalid`);
  for (const other of state.users.values()) {
    if (other.username !== self && other.fields.email === email) {
      // Chef answers a taken email exactly like a taken username (chef-server #59).
      throw conflict('Username or email address already in use.');
    }
  }
}

async function createUser(ctx: Ctx) {
  const { state } = ctx;
  const body = ctx.json();
  const username = checkName(
    requiredString(body.username === undefined ? { username: body.name } : body, 'username'),
    'username',
    USERNAME_RE,
  );
  const email = requiredString(body, 'email');
  const password = requiredString(body, 'password');
  if (state.users.has(username)) throw conflict('Username or email address already in use.');
  checkEmail(state, email);
  const pair = body.public_key === undefined ? await state.keyPool.take() : undefined;
  if (state.users.has(username)) throw conflict('Username or email address already in use.'); // created meanwhile
  checkEmail(state, email);
  const key = actorKey('default', pair ? pair.publicKey : body.public_key);
  const fields = { display_name: username, ...storedFields(body) };
  state.users.set(username, {
    username,
    fields,
    password,
    keys: new Map([['default', key]]),
    acl: defaultUserAcl(username, []),
  });
  const uri = ctx.url('users', username);
  const chefKey: JsonObject = {
    name: 'default',
    public_key: key.publicKey,
    expiration_date: key.expirationDate,
    uri: `${uri}/keys/default`,
  };
  if (pair) chefKey.private_key = pair.privateKey;
  return created(uri, pair ? { chef_key: chefKey, private_key: pair.privateKey } : { chef_key: chefKey });
}

async function updateUser(ctx: Ctx) {
  const { state } = ctx;
  const user = findUser(state, ctx.param('user'));
  const body = ctx.json();
  const newName = optionalString(body, 'username') ?? optionalString(body, 'name') ?? user.username;
  if (newName !== user.username) throw badRequest('Renaming users is not supported by the chef double');
  const email = optionalString(body, 'email') ?? user.fields.email;
  if (typeof email === 'string') checkEmail(state, email, user.username);
  user.fields = { display_name: user.fields.display_name, ...storedFields(body), email };
  const password = optionalString(body, 'password');
  if (password) user.password = password;
  const extra: JsonObject = {};
  if (body.private_key === true) {
    const pair = await state.keyPool.take();
    user.keys.set('default', actorKey('default', pair.publicKey));
    extra.private_key = pair.privateKey;
  } else if (body.public_key !== undefined && body.public_key !== null) {
    user.keys.set('default', actorKey('default', body.public_key));
  }
  return reply({ ...userBody(user, ctx.apiVersion), ...extra });
}

/** Deleting a user also drops them from every org, group and pending invitation. */
function deleteUser(ctx: Ctx) {
  const user = findUser(ctx.state, ctx.param('user'));
  for (const org of ctx.state.orgs.values()) {
    org.members.delete(user.username);
    for (const group of org.groups.values()) group.users.delete(user.username);
    for (const [id, invited] of org.invites) if (invited === user.username) org.invites.delete(id);
  }
  ctx.state.users.delete(user.username);
  return reply(userBody(user, ctx.apiVersion));
}

export function userRoutes(r: Router): void {
  r.get('/users', (ctx) => {
    const email = ctx.query.get('email');
    const names = sorted(
      [...ctx.state.users.values()].filter((u) => email === null || u.fields.email === email).map((u) => u.username),
    );
    return reply(Object.fromEntries(names.map((n) => [n, ctx.url('users', n)])));
  });
  r.post('/users', createUser, { access: superuser });
  r.get('/users/:user', (ctx) => reply(userBody(findUser(ctx.state, ctx.param('user')), ctx.apiVersion)));
  r.put('/users/:user', updateUser, { access: selfOrSuperuser });
  r.delete('/users/:user', deleteUser, { access: superuser });

  r.get(
    '/users/:user/organizations',
    (ctx) => {
      const user = findUser(ctx.state, ctx.param('user'));
      const orgs = [...ctx.state.orgs.values()].filter((o) => o.members.has(user.username));
      return reply(
        orgs
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((o) => ({ organization: { name: o.name, full_name: o.fullName, guid: o.guid } })),
      );
    },
    { access: selfOrSuperuser },
  );

  keyRoutes(
    r,
    '/users/:user',
    (ctx) => ({ keys: findUser(ctx.state, ctx.param('user')).keys, url: ctx.url('users', ctx.param('user')) }),
    selfOrSuperuser,
  );
}
