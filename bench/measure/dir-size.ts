import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of every regular file under dir (what a backup directory holds). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await dirBytes(path);
    else if (e.isFile()) total += (await stat(path)).size;
  }
  return total;
}
