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

/** Digests of the object files of one org (path relative to the backup root → sha256 of the normalised object). */
export class DigestBook {
  readonly entries = new Map<string, string>();
  constructor(
    private readonly dir: string,
    private readonly org: string | null,
  ) {}
  set(relPath: string, digest: string): void {
    this.entries.set(relPath, digest);
  }
  delete(relPath: string): void {
    this.entries.delete(relPath);
  }
  async save(): Promise<void> {
    const sorted = Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : 1)));
    await writeJsonFile(sidecarPaths.digests(this.dir, this.org), sorted);
  }
}
