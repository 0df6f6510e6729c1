import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The knife-ec-backup on-disk layout (ec-backup-format.md §1.1), plus our sidecar folder, which knife's
 * tooling never visits because it only walks users/, user_acls/ and organizations/.
 */
export const SIDECAR = '.chef-migrate';

export const layout = {
  users: (dir: string) => join(dir, 'users'),
  user: (dir: string, name: string) => join(dir, 'users', `${name}.json`),
  userAcls: (dir: string) => join(dir, 'user_acls'),
  userAcl: (dir: string, name: string) => join(dir, 'user_acls', `${name}.json`),
  orgs: (dir: string) => join(dir, 'organizations'),
  org: (dir: string, org: string) => join(dir, 'organizations', org),
  sidecar: (dir: string) => join(dir, SIDECAR),
};

/** `name-1.2.3` → name and version, as knife-ec-backup splits cookbook folders. */
export function splitCookbookDir(dirName: string): { name: string; version: string } | undefined {
  const m = /^([.a-zA-Z0-9_-]+)-(\d+\.\d+\.\d+)$/.exec(dirName);
  return m ? { name: m[1] ?? '', version: m[2] ?? '' } : undefined;
}

/** Artifacts and policy revisions split at the last `-` (identifiers never contain one). */
export function splitAtLastDash(base: string): { name: string; version: string } | undefined {
  const cut = base.lastIndexOf('-');
  return cut > 0 ? { name: base.slice(0, cut), version: base.slice(cut + 1) } : undefined;
}

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Base names of the `*.json` files of a folder, sorted; none when it does not exist. */
export async function listJsonNames(dir: string): Promise<string[]> {
  return (await entries(dir))
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
    .map((e) => e.name.slice(0, -5))
    .sort();
}

export async function listDirNames(dir: string): Promise<string[]> {
  return (await entries(dir))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Every file below a folder, as POSIX paths relative to it. */
export async function listFilesDeep(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await entries(dir)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFilesDeep(join(dir, e.name), rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}
