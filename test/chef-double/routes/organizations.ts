import { superuser } from '../authz';
import type { Ctx } from '../context';
import { badRequest, conflict, created, reply } from '../http';
import { checkName, optionalString, ORGNAME_RE, requiredString, sorted } from '../json';
import { actorKey } from '../keys';
import { newOrg } from '../org-defaults';
import type { Router } from '../router';
import type { Org } from '../state';

const orgBody = (org: Org) => ({ name: org.name, full_name: org.fullName, guid: org.guid });

async function createOrg(ctx: Ctx) {
  const body = ctx.json();
  const name = checkName(requiredString(body, 'name'), 'name', ORGNAME_RE);
  const fullName = requiredString(body, 'full_name');
  if (ctx.state.orgs.has(name)) throw conflict('Organization already exists.');
  const pair = await ctx.state.keyPool.take();
  // Checked again after the await: a concurrent create of the same name (a client's retry racing the slow
  // original) must get 409 like erchef's unique constraint, not replace the org created meanwhile.
  if (ctx.state.orgs.has(name)) throw conflict('Organization already exists.');
  ctx.state.orgs.set(name, newOrg(name, fullName, ctx.principal.name, actorKey('default', pair.publicKey)));
  return created(ctx.url('organizations', name), { clientname: `${name}-validator`, private_key: pair.privateKey });
}

function updateOrg(ctx: Ctx) {
  const org = ctx.org();
  const body = ctx.json();
  const name = optionalString(body, 'name') ?? org.name;
  if (name !== org.name) throw badRequest('Renaming organizations is not supported');
  org.fullName = optionalString(body, 'full_name') ?? org.fullName;
  return reply(orgBody(org));
}

export function organizationRoutes(r: Router): void {
  r.get('/organizations', (ctx) =>
    reply(Object.fromEntries(sorted(ctx.state.orgs.keys()).map((n) => [n, ctx.url('organizations', n)]))),
  );
  r.post('/organizations', createOrg, { access: superuser });
  r.get('/organizations/:org', (ctx) => reply(orgBody(ctx.org())));
  r.put('/organizations/:org', updateOrg);
  r.delete(
    '/organizations/:org',
    (ctx) => {
      const org = ctx.org();
      ctx.state.orgs.delete(org.name);
      return reply(orgBody(org));
    },
    { access: superuser },
  );
}
