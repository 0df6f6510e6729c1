import { defaultObjectAcl } from '../acl';
import { orgUrl, type Ctx } from '../context';
import { compareVersionsDesc, parseManifest, renderManifest, type StoredCookbook } from '../cookbook-manifest';
import { badRequest, conflict, notFound, reply } from '../http';
import { checkName, NAME_RE, type JsonObject } from '../json';
import type { Router } from '../router';
import type { Org } from '../state';
import { fileUrl } from './bookshelf';

/** Cookbook versions and cookbook artifacts share storage and manifest handling; these are their differences. */
interface Flavor {
  collection: 'cookbooks' | 'cookbook_artifacts';
  /** Field naming a version in listings. */
  key: 'version' | 'identifier';
  store: (org: Org) => Map<string, Map<string, StoredCookbook>>;
  checkKey: (key: string) => void;
  /** Versions list newest first; artifact identifiers have no order. */
  order: (keys: string[]) => string[];
  defaults: (name: string, key: string, body: JsonObject) => JsonObject;
  /** Artifacts are immutable once written. */
  updatable: boolean;
}

const VERSION_RE = /^\d+\.\d+(\.\d+)?$/;

const COOKBOOKS: Flavor = {
  collection: 'cookbooks',
  key: 'version',
  store: (org) => org.cookbooks,
  checkKey: (v) => {
    if (!VERSION_RE.test(v)) throw badRequest(`Invalid cookbook version '${v}'`);
  },
  order: (keys) => [...keys].sort(compareVersionsDesc),
  defaults: (name, version) => ({
    name: `${name}-${version}`,
    cookbook_name: name,
    version,
    json_class: 'Chef::CookbookVersion',
    chef_type: 'cookbook_version',
    metadata: { name, version },
  }),
  updatable: true,
};

const ARTIFACTS: Flavor = {
  collection: 'cookbook_artifacts',
  key: 'identifier',
  store: (org) => org.artifacts,
  checkKey: (id) => void checkName(id, 'identifier', NAME_RE),
  order: (keys) => keys,
  defaults: (name, identifier, body) => ({
    name,
    identifier,
    version: (body.metadata as JsonObject | undefined)?.version ?? '0.0.0',
    chef_type: 'cookbook_version',
    metadata: { name },
  }),
  updatable: false,
};

function versionsOf(ctx: Ctx, f: Flavor): Map<string, StoredCookbook> {
  const versions = f.store(ctx.org()).get(ctx.param('name'));
  if (!versions) throw notFound(`Cannot find a cookbook named ${ctx.param('name')}`);
  return versions;
}

function findVersion(ctx: Ctx, f: Flavor, key = ctx.param('key')): StoredCookbook {
  const cookbook = versionsOf(ctx, f).get(key);
  if (!cookbook) throw notFound(`Cannot find a cookbook named ${ctx.param('name')} with ${f.key} ${key}`);
  return cookbook;
}

const render = (ctx: Ctx, cookbook: StoredCookbook) =>
  renderManifest(cookbook, ctx.apiVersion, (md5) => fileUrl(ctx, ctx.param('org'), md5));

/** `num_versions`: "all", a count, or (listing all cookbooks) the latest version only. */
function listing(ctx: Ctx, f: Flavor, name: string, versions: Map<string, StoredCookbook>, defaultCount: number) {
  const requested = ctx.query.get('num_versions');
  const count = requested === 'all' ? Infinity : requested === null ? defaultCount : Number(requested);
  if (Number.isNaN(count) || count < 0) throw badRequest(`Invalid num_versions '${requested}'`);
  const keys = f.order([...versions.keys()]).slice(0, count);
  return {
    url: orgUrl(ctx, f.collection, name),
    versions: keys.map((k) => ({ [f.key]: k, url: orgUrl(ctx, f.collection, name, k) })),
  };
}

function putVersion(ctx: Ctx, f: Flavor) {
  const org = ctx.org();
  const name = checkName(ctx.param('name'), 'name');
  const key = ctx.param('key');
  f.checkKey(key);
  const body = ctx.json();
  if (body.cookbook_name !== undefined && body.cookbook_name !== name && f === COOKBOOKS) {
    throw badRequest(`Field 'cookbook_name' invalid: expected ${name}`);
  }
  if (body[f.key] !== undefined && body[f.key] !== key) throw badRequest(`Field '${f.key}' invalid: expected ${key}`);
  const { doc, files } = parseManifest(body);
  if (files.some((file) => !org.files.has(file.checksum))) {
    throw badRequest("Manifest has a checksum that hasn't been uploaded.");
  }
  const versions = f.store(org).get(name) ?? new Map<string, StoredCookbook>();
  const existing = versions.get(key);
  if (existing && !f.updatable) throw conflict(`Cookbook artifact ${name} ${key} already exists`);
  if (existing?.frozen && ctx.query.get('force') !== 'true') {
    throw conflict(`The cookbook ${name} at version ${key} is frozen. Use the 'force' option to override.`);
  }
  const frozen = body['frozen?'] === true || ctx.query.get('freeze') === 'true';
  const stored: StoredCookbook = { doc: { ...f.defaults(name, key, body), ...doc }, files, frozen };
  if (!f.store(org).has(name)) {
    f.store(org).set(name, versions);
    org.acls.set(`${f.collection}/${name}`, defaultObjectAcl(ctx.principal.name));
  }
  versions.set(key, stored);
  return reply(render(ctx, stored), existing ? 200 : 201);
}

function deleteVersion(ctx: Ctx, f: Flavor) {
  const org = ctx.org();
  const name = ctx.param('name');
  const versions = versionsOf(ctx, f);
  const cookbook = findVersion(ctx, f);
  versions.delete(ctx.param('key'));
  if (versions.size === 0) {
    f.store(org).delete(name);
    org.acls.delete(`${f.collection}/${name}`);
  }
  return reply(render(ctx, cookbook));
}

function routesFor(r: Router, f: Flavor): void {
  const base = `/organizations/:org/${f.collection}`;
  r.get(base, (ctx) => {
    const store = f.store(ctx.org());
    const names = [...store.keys()].sort();
    return reply(
      Object.fromEntries(
        names.map((n) => [n, listing(ctx, f, n, store.get(n) ?? new Map(), f === COOKBOOKS ? 1 : Infinity)]),
      ),
    );
  });
  r.get(`${base}/:name`, (ctx) =>
    reply({ [ctx.param('name')]: listing(ctx, f, ctx.param('name'), versionsOf(ctx, f), Infinity) }),
  );
  r.get(`${base}/:name/:key`, (ctx) => reply(render(ctx, findVersion(ctx, f))));
  r.put(`${base}/:name/:key`, (ctx) => putVersion(ctx, f));
  r.delete(`${base}/:name/:key`, (ctx) => deleteVersion(ctx, f));
}

export function cookbookRoutes(r: Router): void {
  routesFor(r, COOKBOOKS);
  routesFor(r, ARTIFACTS);
  r.get('/organizations/:org/cookbooks/:name/_latest', (ctx) => {
    const latest = COOKBOOKS.order([...versionsOf(ctx, COOKBOOKS).keys()])[0] as string;
    return reply(render(ctx, findVersion(ctx, COOKBOOKS, latest)));
  });
}
