import { defaultObjectAcl } from '../acl';
import { orgUrl, type Ctx } from '../context';
import { badRequest, conflict, created, HttpError, notFound, reply } from '../http';
import { checkName, isObject, requiredString, sorted, type JsonObject } from '../json';
import type { Router } from '../router';
import type { ObjectKind } from '../state';

const KINDS: Record<ObjectKind, { singular: string; defaults: () => JsonObject }> = {
  nodes: {
    singular: 'node',
    defaults: () => ({
      json_class: 'Chef::Node',
      chef_type: 'node',
      chef_environment: '_default',
      override: {},
      normal: {},
      default: {},
      automatic: {},
      run_list: [],
    }),
  },
  roles: {
    singular: 'role',
    defaults: () => ({
      description: '',
      json_class: 'Chef::Role',
      chef_type: 'role',
      default_attributes: {},
      override_attributes: {},
      run_list: [],
      env_run_lists: {},
    }),
  },
  environments: {
    singular: 'environment',
    defaults: () => ({
      description: '',
      cookbook_versions: {},
      json_class: 'Chef::Environment',
      chef_type: 'environment',
      default_attributes: {},
      override_attributes: {},
    }),
  },
};

/** Chef Server stores run lists in qualified form: a bare "apache2" becomes "recipe[apache2]". */
function runList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw badRequest(`Field '${field}' is not a valid run list`);
  }
  return [...new Set(value.map((item) => (/^(recipe|role)\[.+\]$/.test(item) ? item : `recipe[${item}]`)))];
}

/** Fills the defaults erchef adds, so GET answers the complete object like the real server. */
function normalize(kind: ObjectKind, name: string, body: JsonObject): JsonObject {
  const obj: JsonObject = { ...KINDS[kind].defaults(), ...body, name };
  if ('run_list' in obj) obj.run_list = runList(obj.run_list, 'run_list');
  if (kind === 'roles') {
    if (!isObject(obj.env_run_lists)) throw badRequest("Field 'env_run_lists' invalid");
    obj.env_run_lists = Object.fromEntries(
      Object.entries(obj.env_run_lists).map(([env, list]) => [env, runList(list, `env_run_lists.${env}`)]),
    );
  }
  return obj;
}

function find(ctx: Ctx, kind: ObjectKind): JsonObject {
  const obj = ctx.org().objects[kind].get(ctx.param('name'));
  if (!obj) throw notFound(`Cannot load ${KINDS[kind].singular} ${ctx.param('name')}`);
  return obj;
}

function guardDefaultEnvironment(ctx: Ctx, kind: ObjectKind): void {
  if (kind === 'environments' && ctx.param('name') === '_default') {
    throw new HttpError(405, "The '_default' environment cannot be modified.", { Allow: 'GET' });
  }
}

function crud(r: Router, kind: ObjectKind): void {
  const base = `/organizations/:org/${kind}`;
  r.get(base, (ctx) =>
    reply(Object.fromEntries(sorted(ctx.org().objects[kind].keys()).map((n) => [n, orgUrl(ctx, kind, n)]))),
  );
  r.post(base, (ctx) => {
    const org = ctx.org();
    const body = ctx.json();
    const name = checkName(requiredString(body, 'name'), 'name');
    if (org.objects[kind].has(name)) throw conflict(`${KINDS[kind].singular} already exists`);
    org.objects[kind].set(name, normalize(kind, name, body));
    org.acls.set(`${kind}/${name}`, defaultObjectAcl(ctx.principal.name));
    return created(orgUrl(ctx, kind, name));
  });
  r.get(`${base}/:name`, (ctx) => reply(find(ctx, kind)));
  r.put(`${base}/:name`, (ctx) => {
    guardDefaultEnvironment(ctx, kind);
    find(ctx, kind);
    const body = ctx.json();
    const name = ctx.param('name');
    if (body.name !== undefined && body.name !== name) {
      throw badRequest(`Field 'name' invalid: ${KINDS[kind].singular} name mismatch`);
    }
    const obj = normalize(kind, name, body);
    ctx.org().objects[kind].set(name, obj);
    return reply(obj);
  });
  r.delete(`${base}/:name`, (ctx) => {
    guardDefaultEnvironment(ctx, kind);
    const obj = find(ctx, kind);
    ctx.org().objects[kind].delete(ctx.param('name'));
    ctx.org().acls.delete(`${kind}/${ctx.param('name')}`);
    return reply(obj);
  });
}

export function chefObjectRoutes(r: Router): void {
  for (const kind of Object.keys(KINDS) as ObjectKind[]) crud(r, kind);

  r.get('/organizations/:org/roles/:name/environments', (ctx) => {
    const role = find(ctx, 'roles');
    return reply(['_default', ...sorted(Object.keys(isObject(role.env_run_lists) ? role.env_run_lists : {}))]);
  });
  r.get('/organizations/:org/roles/:name/environments/:env', (ctx) => {
    const role = find(ctx, 'roles');
    const env = ctx.param('env');
    const lists = isObject(role.env_run_lists) ? role.env_run_lists : {};
    return reply({ run_list: env === '_default' ? role.run_list : (lists[env] ?? null) });
  });
  r.get('/organizations/:org/environments/:name/nodes', (ctx) => {
    find(ctx, 'environments');
    const nodes = [...ctx.org().objects.nodes.values()].filter((n) => n.chef_environment === ctx.param('name'));
    return reply(Object.fromEntries(nodes.map((n) => [n.name, orgUrl(ctx, 'nodes', String(n.name))])));
  });
}
