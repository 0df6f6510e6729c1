import { badRequest } from './http';
import { isObject, type JsonObject } from './json';

/** API v0/v1 manifests list files per segment; API v2 lists them all in `all_files` named `<segment>/<file>`. */
export const SEGMENTS = [
  'recipes',
  'attributes',
  'files',
  'templates',
  'libraries',
  'definitions',
  'providers',
  'resources',
  'root_files',
] as const;
type Segment = (typeof SEGMENTS)[number];

export interface ManifestFile {
  name: string;
  path: string;
  checksum: string;
  specificity: string;
}

/** A cookbook version or artifact, stored independent of the form it was uploaded in. */
export interface StoredCookbook {
  /** Every top-level field except the file lists and `frozen?`. */
  doc: JsonObject;
  files: ManifestFile[];
  frozen: boolean;
}

const MD5_RE = /^[0-9a-f]{32}$/;

function parseFile(value: unknown, where: string): ManifestFile {
  if (!isObject(value)) throw badRequest(`Field '${where}' invalid`);
  const { name, path, checksum, specificity } = value;
  if (typeof name !== 'string' || typeof path !== 'string') throw badRequest(`Field '${where}' invalid`);
  if (typeof checksum !== 'string' || !MD5_RE.test(checksum)) {
    throw badRequest(`Field '${where}' has an invalid checksum`);
  }
  return { name, path, checksum, specificity: typeof specificity === 'string' ? specificity : 'default' };
}

function fileList(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest(`Field '${where}' invalid`);
  return value;
}

/** Accepts either form; when a body carries `all_files` the segment arrays are ignored, as erchef does. */
export function parseManifest(body: JsonObject): { doc: JsonObject; files: ManifestFile[] } {
  const doc: JsonObject = { ...body };
  delete doc['frozen?'];
  delete doc.all_files;
  for (const segment of SEGMENTS) delete doc[segment];
  if (body.all_files !== undefined) {
    return { doc, files: fileList(body.all_files, 'all_files').map((f) => parseFile(f, 'all_files')) };
  }
  const files = SEGMENTS.flatMap((segment) =>
    fileList(body[segment], segment).map((f) => {
      const file = parseFile(f, segment);
      return { ...file, name: `${segment}/${file.name}` };
    }),
  );
  return { doc, files };
}

function segmentOf(file: ManifestFile): { segment: Segment; name: string } {
  const slash = file.name.indexOf('/');
  const prefix = slash > 0 ? file.name.slice(0, slash) : '';
  const segment = SEGMENTS.find((s) => s === prefix);
  return segment ? { segment, name: file.name.slice(slash + 1) } : { segment: 'root_files', name: file.name };
}

/** Answers in the form of the request's API version, each file with a file store `url`. */
export function renderManifest(cookbook: StoredCookbook, apiVersion: number, fileUrl: (md5: string) => string) {
  const withUrl = (file: ManifestFile) => ({ ...file, url: fileUrl(file.checksum) });
  const body: JsonObject = { ...cookbook.doc, 'frozen?': cookbook.frozen };
  if (apiVersion >= 2) {
    body.all_files = cookbook.files.map(withUrl);
    return body;
  }
  const segments = Object.fromEntries(SEGMENTS.map((s) => [s, [] as JsonObject[]])) as Record<Segment, JsonObject[]>;
  for (const file of cookbook.files) {
    const { segment, name } = segmentOf(file);
    segments[segment].push({ ...withUrl(file), name });
  }
  return { ...body, ...segments };
}

/** Orders versions like Chef ("1.10.0" after "1.9.0"), newest first. */
export function compareVersionsDesc(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
