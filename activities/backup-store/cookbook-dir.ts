import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CookbookFile, CookbookManifest } from '../chef-api/resources/cookbooks';
import { md5File } from '../engine/md5-file';
import { BackupFormatError } from '../errors';
import type { JsonObject } from '../normalize';
import { readJsonFile } from './json-file';
import { listFilesDeep } from './layout';

/** Files in a cookbook folder that are ours or knife's, never part of the cookbook. */
const NOT_COOKBOOK_FILES = new Set(['status.json']);

/**
 * Reads name, version and depends out of metadata.rb without running it: only literal `name 'x'`,
 * `version 'x'` and `depends 'x'[, 'constraint']` lines are understood.
 */
export function parseMetadataRb(text: string): {
  name?: string;
  version?: string;
  dependencies: Record<string, string>;
} {
  const str = `['"]([^'"]+)['"]`;
  const name = new RegExp(`^\\s*name\\s*\\(?\\s*${str}`, 'm').exec(text)?.[1];
  const version = new RegExp(`^\\s*version\\s*\\(?\\s*${str}`, 'm').exec(text)?.[1];
  const dependencies: Record<string, string> = {};
  for (const m of text.matchAll(new RegExp(`^\\s*depends\\s*\\(?\\s*${str}(?:\\s*,\\s*${str})?`, 'gm')))
    if (m[1]) dependencies[m[1]] = m[2] ?? '>= 0.0.0';
  return { ...(name ? { name } : {}), ...(version ? { version } : {}), dependencies };
}

function specificityOf(path: string): string {
  const [segment, second] = path.split('/');
  return (segment === 'templates' || segment === 'files') && path.split('/').length > 2
    ? (second ?? 'default')
    : 'default';
}

/**
 * A manifest rebuilt from a cookbook folder, for backups made by knife-ec-backup (no sidecar): metadata from
 * metadata.json, else the literal parts of metadata.rb; every file with its MD5.
 */
export async function manifestFromDir(dir: string, name: string, version: string): Promise<CookbookManifest> {
  const paths = (await listFilesDeep(dir)).filter(
    (p) => !NOT_COOKBOOK_FILES.has(p) && !p.split('/').some((s) => s.startsWith('.')),
  );
  let metadata = await readJsonFile<JsonObject>(join(dir, 'metadata.json'));
  if (!metadata) {
    const rb = await readFile(join(dir, 'metadata.rb'), 'utf8').catch(() => undefined);
    if (rb === undefined)
      throw new BackupFormatError(
        dir,
        'cookbook has neither metadata.json nor metadata.rb; run tidy --fix to write a minimal metadata.json',
      );
    const parsed = parseMetadataRb(rb);
    if (parsed.name && parsed.name !== name)
      throw new BackupFormatError(
        join(dir, 'metadata.rb'),
        `names the cookbook '${parsed.name}' but the folder says '${name}'; run tidy`,
      );
    metadata = { name, version, dependencies: parsed.dependencies };
  }
  const files: CookbookFile[] = [];
  for (const path of paths) {
    const checksum = await md5File(join(dir, path));
    if (checksum) files.push({ name: path, path, checksum, specificity: specificityOf(path) });
  }
  const status = await readJsonFile<{ frozen?: boolean }>(join(dir, 'status.json'));
  return {
    cookbookName: name,
    version,
    frozen: status?.frozen === true,
    metadata: { ...metadata, name, version: typeof metadata.version === 'string' ? metadata.version : version },
    files,
    extra: {},
  };
}
