import type { Principal } from './context';
import type { Access, Route } from './router';
import type { Org } from './state';

/**
 * Deliberately coarse authorisation: superusers do everything, org admins do everything in their org, other
 * members and the org's clients may only read. Real Chef evaluates per-object ACLs; tests of the migrator
 * only need the difference between "allowed" and "403".
 */

export const anyUser: Access = (ctx) => ctx.principal.kind === 'user';
export const superuser: Access = (ctx) => ctx.principal.superuser;
export const selfOrSuperuser: Access = (ctx) =>
  ctx.principal.superuser || (ctx.principal.kind === 'user' && ctx.principal.name === ctx.params.user);

/** Users and clients of the admins group, following nested groups. */
export function isOrgAdmin(org: Org, principal: Principal): boolean {
  const seen = new Set<string>();
  const walk = (name: string): boolean => {
    if (seen.has(name)) return false;
    seen.add(name);
    const group = org.groups.get(name);
    if (!group) return false;
    if (principal.kind === 'user' && group.users.has(principal.name)) return true;
    if (principal.kind === 'client' && group.clients.has(principal.name)) return true;
    return [...group.groups].some(walk);
  };
  return walk('admins');
}

export const orgAccess: Access = (ctx) => {
  if (ctx.principal.superuser) return true;
  const org = ctx.state.orgs.get(ctx.param('org'));
  if (!org) return true; // let the handler answer 404
  const { principal } = ctx;
  // Authentication only accepts clients of the org named in the path.
  const inOrg = principal.kind === 'client' || (principal.kind === 'user' && org.members.has(principal.name));
  if (!inOrg) return false;
  return ctx.method === 'GET' || ctx.method === 'HEAD' || isOrgAdmin(org, principal);
};

/** Validators exist to register new clients. */
export const orgAccessOrValidator: Access = (ctx) => {
  if (orgAccess(ctx)) return true;
  const client =
    ctx.principal.kind === 'client' ? ctx.state.orgs.get(ctx.param('org'))?.clients.get(ctx.principal.name) : undefined;
  return client?.validator === true;
};

export function accessFor(route: Route): Access {
  if (route.access) return route.access;
  if (route.pattern[0] === 'organizations' && route.pattern[1] === ':org') return orgAccess;
  return (ctx) => (ctx.method === 'GET' ? anyUser(ctx) : superuser(ctx));
}

export function missingPermission(method: string): string {
  const perm = { GET: 'read', HEAD: 'read', POST: 'create', PUT: 'update', DELETE: 'delete' }[method] ?? 'update';
  return `missing ${perm} permission`;
}

/** Requests that only read although they are POSTs (partial search). */
export const orgRead: Access = (ctx) => orgAccess({ ...ctx, method: 'GET' });
