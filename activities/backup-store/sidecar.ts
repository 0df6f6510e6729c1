import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CookbookKind, CookbookManifest } from '../chef-api/resources/cookbooks';
import type { ServerInfo } from '../chef-api/resources/server-info';
import { readJsonFile, writeJsonFile } from './json-file';
import { SIDECAR } from './layout';

/**
 * What knife-ec-backup cannot know, kept beside its layout: the source server, the cookbook manifests as the
 * server sent them (so a restore never evaluates metadata.rb), and a digest per object file.
 */
export interface BackupMeta {
  tool: 'chef-ha-migrator';
  toolVersion: string;
  format: 1;
  startedAt: string;
  finishedAt?: string;
  source: ServerInfo;
  orgs: string[];
  /** The org a single-tenant (Chef 11) source was backed up into. */
  singleTenantOrg?: string;
}

export const sidecarPaths = {
  meta: (dir: string) => join(dir, SIDECAR, 'backup.json'),
  manifest: (dir: string, org: string, kind: CookbookKind, name: string, version: string) =>
    join(dir, SIDECAR, 'manifests', org, kind, `${name}-${version}.json`),
  digests: (dir: string, org: string | null) => join(dir, SIDECAR, 'digests', `${org ?? '_global'}.json`),
};

export const readMeta = (dir: string) => readJsonFile<BackupMeta>(sidecarPaths.meta(dir));
export const writeMeta = (dir: string, meta: BackupMeta) => writeJsonFile(sidecarPaths.meta(dir), meta);

/** Stored without file URLs: they are signed and expire. */
export async function writeManifest(dir: string, org: string, kind: CookbookKind, m: CookbookManifest): Promise<void> {
  const files = m.files.map(({ url: _url, ...f }) => f);
  await writeJsonFile(sidecarPaths.manifest(dir, org, kind, m.cookbookName, m.version), { ...m, files });
}

export const readManifest = (dir: string, org: string, kind: CookbookKind, name: string, version: string) =>
  readJsonFile<CookbookManifest>(sidecarPaths.manifest(dir, org, kind, name, version));

/**
 * What the backup last wrote to one object file: the digest of the normalised object and, for the JSON object
 * files, the file's size and ctime when written. A restore that finds the file with the same size and ctime
 * trusts the digest instead of reading and parsing the file again (rsync's quick check, on ctime because no
 * copy tool can set it back: `cp -p` and `rsync -t` keep mtimes).
 */
export interface BookEntry {
  digest: string;
  size?: number;
  ctimeMs?: number;
  /** Nodes: the fingerprint of what a partial search can see (activities/backup/node-changes.ts). */
  fingerprint?: string;
}

/** Digests of the object files of one org (path relative to the backup root), kept from pass to pass. */
export class DigestBook {
  private constructor(
    private readonly dir: string,
    private readonly org: string | null,
    readonly entries: Map<string, BookEntry>,
  ) {}

  /** The book as the last backup left it (empty for a knife-made backup or a first run). */
  static async open(dir: string, org: string | null): Promise<DigestBook> {
    const saved = await readJsonFile<Record<string, BookEntry | string>>(sidecarPaths.digests(dir, org)).catch(
      () => undefined, // an unreadable book only costs the quick check
    );
    const entries = new Map<string, BookEntry>();
    for (const [path, e] of Object.entries(saved ?? {}))
      if (typeof e === 'string') entries.set(path, { digest: e });
      else if (e && typeof e.digest === 'string') entries.set(path, e);
    return new DigestBook(dir, org, entries);
  }

  get(relPath: string): BookEntry | undefined {
    return this.entries.get(relPath);
  }
  set(relPath: string, digest: string, more: Omit<BookEntry, 'digest'> = {}): void {
    this.entries.set(relPath, { digest, ...more });
  }
  delete(relPath: string): void {
    this.entries.delete(relPath);
  }
  async save(): Promise<void> {
    const sorted = Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : 1)));
    await writeJsonFile(sidecarPaths.digests(this.dir, this.org), sorted);
  }
}

/** The file is still the one the book recorded (not deleted, edited or tidied since). */
export async function sameFile(file: string, entry: BookEntry | undefined): Promise<boolean> {
  if (entry?.size === undefined) return false;
  const now = await stat(file).catch(() => undefined);
  return now?.size === entry.size && now.ctimeMs === entry.ctimeMs;
}

/**
 * Total size and latest ctime of a cookbook version's files, or undefined when one is missing: the quick
 * check of a folder (a file deleted, truncated or replaced since the backup wrote it changes it).
 */
export async function filesStamp(dir: string, paths: string[]): Promise<{ size: number; ctimeMs: number } | undefined> {
  let size = 0;
  let ctimeMs = 0;
  for (const p of paths) {
    const st = await stat(join(dir, p)).catch(() => undefined);
    if (!st) return undefined;
    size += st.size;
    ctimeMs = Math.max(ctimeMs, st.ctimeMs);
  }
  return { size, ctimeMs };
}
