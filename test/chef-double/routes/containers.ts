import { defaultObjectAcl } from '../acl';
import { orgUrl, type Ctx } from '../context';
import { conflict, created, notFound, reply } from '../http';
import { checkName, optionalString, requiredString, sorted, type JsonObject } from '../json';
import type { Router } from '../router';

function findContainer(ctx: Ctx): JsonObject {
  const container = ctx.org().containers.get(ctx.param('container'));
  if (!container) throw notFound(`Cannot load container ${ctx.param('container')}`);
  return container;
}

function createContainer(ctx: Ctx) {
  const org = ctx.org();
  const body = ctx.json();
  const name = checkName(requiredString(body, 'containername'), 'containername');
  if (org.containers.has(name)) throw conflict('Container already exists');
  org.containers.set(name, { containername: name, containerpath: optionalString(body, 'containerpath') ?? name });
  org.acls.set(`containers/${name}`, defaultObjectAcl(ctx.principal.name));
  return created(orgUrl(ctx, 'containers', name));
}

export function containerRoutes(r: Router): void {
  r.get('/organizations/:org/containers', (ctx) =>
    reply(Object.fromEntries(sorted(ctx.org().containers.keys()).map((c) => [c, orgUrl(ctx, 'containers', c)]))),
  );
  r.post('/organizations/:org/containers', createContainer);
  r.get('/organizations/:org/containers/:container', (ctx) => reply(findContainer(ctx)));
  // Containers have nothing to update; Chef Server accepts the PUT and changes nothing.
  r.put('/organizations/:org/containers/:container', (ctx) => reply(findContainer(ctx)));
  r.delete('/organizations/:org/containers/:container', (ctx) => {
    const container = findContainer(ctx);
    ctx.org().containers.delete(ctx.param('container'));
    ctx.org().acls.delete(`containers/${ctx.param('container')}`);
    return reply(container);
  });
}
