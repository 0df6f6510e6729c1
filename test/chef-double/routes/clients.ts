import { defaultObjectAcl } from '../acl';
import { orgAccess, orgAccessOrValidator } from '../authz';
import { orgUrl, type Ctx } from '../context';
import { badRequest, conflict, created, notFound, reply } from '../http';
import { checkName, sorted, type JsonObject } from '../json';
import { actorKey } from '../keys';
import type { Router } from '../router';
import type { Client, Org } from '../state';
import { keyRoutes } from './keys';

function findClient(ctx: Ctx): { org: Org; client: Client } {
  const org = ctx.org();
  const client = org.clients.get(ctx.param('client'));
  if (!client) throw notFound(`Cannot load client ${ctx.param('client')}`);
  return { org, client };
}

/** API v0 embeds the default public key (knife-ec-backup relies on it); v1+ only via /keys. */
function clientBody(org: Org, client: Client, apiVersion: number): JsonObject {
  const body: JsonObject = {
    name: client.name,
    clientname: client.name,
    orgname: org.name,
    validator: client.validator,
    json_class: 'Chef::ApiClient',
    chef_type: 'client',
  };
  if (apiVersion < 1) body.public_key = client.keys.get('default')?.publicKey ?? null;
  return body;
}

/** Backups may carry "true"/"false" strings (ChefFS coerces them too). */
function flag(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw badRequest(`Field '${field}' invalid`);
}

async function createClient(ctx: Ctx) {
  const org = ctx.org();
  const body = ctx.json();
  const raw = body.name ?? body.clientname;
  if (typeof raw !== 'string' || raw === '') throw badRequest("Field 'name' missing");
  const name = checkName(raw, 'name');
  if (org.clients.has(name)) throw conflict('Client already exists');
  const pair = body.public_key === undefined || body.public_key === null ? await ctx.state.keyPool.take() : undefined;
  if (org.clients.has(name)) throw conflict('Client already exists'); // created while we waited for a key
  const key = actorKey('default', pair ? pair.publicKey : body.public_key);
  org.clients.set(name, {
    name,
    validator: flag(body.validator, 'validator') ?? false,
    keys: new Map([['default', key]]),
  });
  org.groups.get('clients')?.clients.add(name);
  org.acls.set(`clients/${name}`, defaultObjectAcl(ctx.principal.name, name));
  const uri = orgUrl(ctx, 'clients', name);
  const chefKey: JsonObject = {
    name: 'default',
    public_key: key.publicKey,
    expiration_date: 'infinity',
    uri: `${uri}/keys/default`,
  };
  if (pair) chefKey.private_key = pair.privateKey;
  return created(uri, pair ? { private_key: pair.privateKey, chef_key: chefKey } : { chef_key: chefKey });
}

async function updateClient(ctx: Ctx) {
  const { org, client } = findClient(ctx);
  const body = ctx.json();
  const newName = body.name ?? body.clientname ?? client.name;
  if (newName !== client.name) throw badRequest('Renaming clients is not supported by the chef double');
  client.validator = flag(body.validator, 'validator') ?? client.validator;
  const extra: JsonObject = {};
  if (body.private_key === true) {
    const pair = await ctx.state.keyPool.take();
    client.keys.set('default', actorKey('default', pair.publicKey));
    extra.private_key = pair.privateKey;
  } else if (body.public_key !== undefined && body.public_key !== null) {
    client.keys.set('default', actorKey('default', body.public_key));
  }
  return reply({ ...clientBody(org, client, ctx.apiVersion), ...extra });
}

function deleteClient(ctx: Ctx) {
  const { org, client } = findClient(ctx);
  org.clients.delete(client.name);
  org.acls.delete(`clients/${client.name}`);
  for (const group of org.groups.values()) group.clients.delete(client.name);
  return reply(clientBody(org, client, ctx.apiVersion));
}

export function clientRoutes(r: Router): void {
  r.get('/organizations/:org/clients', (ctx) =>
    reply(Object.fromEntries(sorted(ctx.org().clients.keys()).map((c) => [c, orgUrl(ctx, 'clients', c)]))),
  );
  r.post('/organizations/:org/clients', createClient, { access: orgAccessOrValidator });
  r.get('/organizations/:org/clients/:client', (ctx) => {
    const { org, client } = findClient(ctx);
    return reply(clientBody(org, client, ctx.apiVersion));
  });
  r.put('/organizations/:org/clients/:client', updateClient);
  r.delete('/organizations/:org/clients/:client', deleteClient);
  keyRoutes(
    r,
    '/organizations/:org/clients/:client',
    (ctx) => ({ keys: findClient(ctx).client.keys, url: orgUrl(ctx, 'clients', ctx.param('client')) }),
    orgAccess,
  );
}
