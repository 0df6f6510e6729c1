import type { Json, JsonObject } from '../../normalize';
import { segment, withQuery } from '../paths';
import type { OrgScope } from './scope';

/** Cookbook versions and cookbook artifacts share one shape: a manifest naming files by MD5. */
export type CookbookKind = 'cookbooks' | 'cookbook_artifacts';

export interface CookbookFile {
  /** API v2 name, e.g. `recipes/default.rb`. */
  name: string;
  path: string;
  checksum: string;
  specificity: string;
  url?: string;
}

export interface CookbookManifest {
  cookbookName: string;
  /** Version for cookbooks, identifier for artifacts. */
  version: string;
  frozen: boolean;
  metadata: JsonObject;
  files: CookbookFile[];
  /** Other fields the server sent (kept so a restore sends them back). */
  extra: JsonObject;
}

export interface CookbookRef {
  name: string;
  version: string;
}

export const SEGMENTS = [
  'attributes',
  'definitions',
  'files',
  'libraries',
  'providers',
  'recipes',
  'resources',
  'templates',
  'root_files',
] as const;

const TOP_SEGMENTS = new Set<string>(SEGMENTS.filter((s) => s !== 'root_files'));

export function segmentOf(path: string): string {
  const first = path.split('/')[0] ?? '';
  return path.includes('/') && TOP_SEGMENTS.has(first) ? first : 'root_files';
}

const versionKey = (kind: CookbookKind) => (kind === 'cookbooks' ? 'version' : 'identifier');

export async function listCookbookVersions(s: OrgScope, kind: CookbookKind): Promise<CookbookRef[]> {
  const r = await s.client.get<Record<string, { versions?: Record<string, string>[] }>>(
    withQuery(`${s.base}/${kind}`, { num_versions: 'all' }),
    { apiVersion: s.client.cookbookApiVersion },
  );
  return Object.entries(r.body ?? {}).flatMap(([name, c]) =>
    (c.versions ?? []).map((v) => ({ name, version: String(v[versionKey(kind)]) })),
  );
}

const versionPath = (s: OrgScope, kind: CookbookKind, ref: CookbookRef) =>
  `${s.base}/${kind}/${segment(ref.name)}/${segment(ref.version)}`;

/** Reads a manifest in either wire form (v2 `all_files`, v0 segments) into one model. */
export function parseManifest(raw: JsonObject, ref: CookbookRef): CookbookManifest {
  const files: CookbookFile[] = [];
  const extra: JsonObject = {};
  const fileOf = (f: Json, seg?: string): CookbookFile | undefined => {
    if (!f || typeof f !== 'object' || Array.isArray(f)) return undefined;
    const path = String(f.path ?? f.name ?? '');
    const name = seg === undefined ? String(f.name ?? path) : path;
    const file: CookbookFile = {
      name,
      path,
      checksum: String(f.checksum ?? ''),
      specificity: String(f.specificity ?? 'default'),
    };
    if (typeof f.url === 'string') file.url = f.url;
    return file;
  };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'all_files' && Array.isArray(value)) value.forEach((f) => pushDefined(files, fileOf(f)));
    else if ((SEGMENTS as readonly string[]).includes(key) && Array.isArray(value))
      value.forEach((f) => pushDefined(files, fileOf(f, key)));
    else if (!['frozen?', 'metadata', 'cookbook_name'].includes(key)) extra[key] = value;
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const metadata = raw.metadata && typeof raw.metadata === 'object' && !Array.isArray(raw.metadata) ? raw.metadata : {};
  return {
    cookbookName: typeof raw.cookbook_name === 'string' ? raw.cookbook_name : ref.name,
    version: ref.version,
    frozen: raw['frozen?'] === true,
    metadata,
    files,
    extra,
  };
}

function pushDefined<T>(list: T[], v: T | undefined): void {
  if (v !== undefined) list.push(v);
}

/** The wire body for PUT: v2 `all_files` or v0 segments, whatever the server negotiated. */
export function manifestBody(kind: CookbookKind, m: CookbookManifest, apiVersion: number, frozen: boolean): JsonObject {
  const strip = (f: CookbookFile): JsonObject => ({
    name: f.name,
    path: f.path,
    checksum: f.checksum,
    specificity: f.specificity,
  });
  const body: JsonObject = {
    ...m.extra,
    cookbook_name: m.cookbookName,
    json_class: 'Chef::CookbookVersion',
    chef_type: 'cookbook_version',
    metadata: m.metadata,
    'frozen?': frozen,
  };
  if (kind === 'cookbooks') {
    body.name = `${m.cookbookName}-${m.version}`;
    body.version = m.version;
  } else {
    body.name = m.cookbookName;
    body.identifier = m.version;
    if (typeof m.metadata.version === 'string') body.version = m.metadata.version;
  }
  for (const key of [...SEGMENTS, 'all_files']) delete body[key];
  if (apiVersion >= 2) {
    body.all_files = m.files.map(strip);
  } else {
    for (const seg of SEGMENTS) body[seg] = [];
    for (const f of m.files) {
      const seg = segmentOf(f.path);
      const name = seg === 'root_files' ? f.path : (f.path.split('/').pop() ?? f.path);
      (body[seg] as Json[]).push({ ...strip(f), name });
    }
  }
  return body;
}

export async function getManifest(
  s: OrgScope,
  kind: CookbookKind,
  ref: CookbookRef,
): Promise<CookbookManifest | undefined> {
  const r = await s.client.get<JsonObject>(versionPath(s, kind, ref), {
    apiVersion: s.client.cookbookApiVersion,
    accept: [404],
  });
  return r.status === 404 ? undefined : parseManifest(r.body, ref);
}

/** PUT of a version; 409 means an existing frozen version (or an existing artifact) the caller must decide about. */
export async function putManifest(
  s: OrgScope,
  kind: CookbookKind,
  m: CookbookManifest,
  opts: { frozen: boolean; force?: boolean },
): Promise<'written' | 'conflict'> {
  const query = opts.force ? { force: 'true' } : opts.frozen ? { freeze: 'true' } : undefined;
  const r = await s.client.request(
    'PUT',
    withQuery(versionPath(s, kind, { name: m.cookbookName, version: m.version }), query),
    {
      body: manifestBody(kind, m, s.client.cookbookApiVersion, opts.frozen),
      apiVersion: s.client.cookbookApiVersion,
      accept: [409],
    },
  );
  return r.status === 409 ? 'conflict' : 'written';
}

export async function deleteCookbookVersion(s: OrgScope, kind: CookbookKind, ref: CookbookRef): Promise<void> {
  await s.client.request('DELETE', versionPath(s, kind, ref), { accept: [404] });
}

/** Sandbox flow: announce checksums, upload what the server lacks, commit. */
export async function createSandbox(
  s: OrgScope,
  checksums: string[],
): Promise<{ uri: string; needsUpload: Map<string, string> }> {
  const r = await s.client.request<{
    uri: string;
    sandbox_id?: string;
    checksums: Record<string, { url?: string; needs_upload?: boolean }>;
  }>('POST', `${s.base}/sandboxes`, { body: { checksums: Object.fromEntries(checksums.map((c) => [c, null])) } });
  const needsUpload = new Map<string, string>();
  for (const [sum, v] of Object.entries(r.body.checksums ?? {}))
    if (v.needs_upload && v.url) needsUpload.set(sum, v.url);
  const id = r.body.sandbox_id ?? new URL(r.body.uri).pathname.split('/').pop() ?? '';
  return { uri: `${s.base}/sandboxes/${segment(id)}`, needsUpload };
}

/** A 400 right after the uploads is the server's known consistency lag: retried like a 5xx. */
export async function commitSandbox(s: OrgScope, sandboxPath: string): Promise<void> {
  await s.client.request('PUT', sandboxPath, { body: { is_completed: true }, retryOn: [400] });
}
