import { orgRead } from '../authz';
import { orgUrl, type Ctx } from '../context';
import { badRequest, notFound, reply } from '../http';
import { isObject, type JsonObject } from '../json';
import type { Router } from '../router';

interface Indexed {
  name: string;
  url: string;
  doc: JsonObject;
}

function index(ctx: Ctx, name: string): Indexed[] {
  const org = ctx.org();
  const objects = (kind: 'nodes' | 'roles' | 'environments'): Indexed[] =>
    [...org.objects[kind]].map(([n, doc]) => ({ name: n, url: orgUrl(ctx, kind, n), doc }));
  if (name === 'node') return objects('nodes');
  if (name === 'role') return objects('roles');
  if (name === 'environment') return objects('environments');
  if (name === 'client') {
    return [...org.clients.values()].map((c) => ({
      name: c.name,
      url: orgUrl(ctx, 'clients', c.name),
      doc: {
        name: c.name,
        clientname: c.name,
        orgname: org.name,
        validator: c.validator,
        json_class: 'Chef::ApiClient',
        chef_type: 'client',
      },
    }));
  }
  const bag = org.dataBags.get(name);
  if (!bag) throw notFound(`I don't know how to search for ${name} data objects.`);
  // Search answers data bag items in their wrapped form.
  return [...bag].map(([id, raw]) => ({
    name: id,
    url: orgUrl(ctx, 'data', name, id),
    doc: {
      name: `data_bag_item_${name}_${id}`,
      json_class: 'Chef::DataBagItem',
      chef_type: 'data_bag_item',
      data_bag: name,
      raw_data: raw,
    },
  }));
}

/** The stored node fields erchef's indexing view (chef_node:ejson_for_indexing) keeps beside the merged attributes. */
const NODE_VIEW_FIELDS = new Set(['name', 'chef_type', 'chef_environment', 'run_list', 'policy_name', 'policy_group']);

/**
 * As erchef answers: a node is seen through its indexing view, the attributes merged (automatic > override >
 * normal > default) plus a few stored fields; there is no `normal`, `default`, `override` or `automatic` key.
 */
function lookup(doc: JsonObject, path: string[]): unknown {
  const walk = (root: unknown): unknown =>
    path.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), root);
  if (doc.chef_type !== 'node') return walk(doc.raw_data ?? doc);
  if (NODE_VIEW_FIELDS.has(path[0] ?? '')) return walk(doc);
  for (const layer of ['automatic', 'override', 'normal', 'default']) {
    const value = walk(doc[layer]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Minimal query language: `*:*` and `field:value`, where value may use `*` wildcards. */
function matcher(q: string): (doc: Indexed) => boolean {
  if (q === '*:*') return () => true;
  const m = /^([A-Za-z0-9_.-]+):(.+)$/.exec(q);
  if (!m || m[1] === undefined || m[2] === undefined) throw badRequest(`invalid search query: '${q}'`);
  const field = m[1];
  const pattern = new RegExp(`^${m[2].replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return (item) => {
    const value = field === 'name' ? (item.doc.name ?? item.name) : lookup(item.doc, [field]);
    return (typeof value === 'string' || typeof value === 'number') && pattern.test(String(value));
  };
}

function page(ctx: Ctx): { items: Indexed[]; total: number; start: number } {
  const all = index(ctx, ctx.param('index'))
    .filter(matcher(ctx.query.get('q') ?? '*:*'))
    .sort((a, b) => a.name.localeCompare(b.name));
  const start = Number(ctx.query.get('start') ?? 0);
  const rows = Number(ctx.query.get('rows') ?? 1000);
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(rows) || rows < 0) {
    throw badRequest('start and rows must be non-negative integers');
  }
  return { items: all.slice(start, start + rows), total: all.length, start };
}

function partialKeys(body: JsonObject): [string, string[]][] {
  return Object.entries(body).map(([key, path]) => {
    if (!Array.isArray(path) || !path.every((p): p is string => typeof p === 'string')) {
      throw badRequest(`Partial search key '${key}' must map to an array of strings`);
    }
    return [key, path];
  });
}

export function searchRoutes(r: Router): void {
  r.get('/organizations/:org/search', (ctx) => {
    const indexes = ['client', 'environment', 'node', 'role', ...ctx.org().dataBags.keys()];
    return reply(Object.fromEntries(indexes.map((i) => [i, orgUrl(ctx, 'search', i)])));
  });
  r.get('/organizations/:org/search/:index', (ctx) => {
    const { items, total, start } = page(ctx);
    return reply({ total, start, rows: items.map((i) => i.doc) });
  });
  r.post(
    '/organizations/:org/search/:index',
    (ctx) => {
      const keys = partialKeys(ctx.json());
      const { items, total, start } = page(ctx);
      const rows = items.map((i) => ({
        url: i.url,
        data: Object.fromEntries(keys.map(([key, path]) => [key, lookup(i.doc, path) ?? null])),
      }));
      return reply({ total, start, rows });
    },
    { access: orgRead },
  );
}
