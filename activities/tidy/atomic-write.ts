import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { statOptional } from './fs-optional';

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

const exists = async (file: string): Promise<boolean> => (await statOptional(file)) !== undefined;

// Hidden and not ending in .json, so a leftover from a crash is never mistaken for backup data.
const tempNameFor = (file: string): string =>
  path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);

/** Write via a temp file in the same folder and rename, so readers see the old or the new file, never half of one. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // Keep the permissions of the file being replaced.
  const mode = ((await statOptional(file))?.mode ?? 0o644) & 0o7777;
  const temp = tempNameFor(file);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Copy `source` to `target` unless `target` already exists. The oldest saved original must survive repeated runs, so
 * the copy is completed under a temp name and then hard-linked into place, which fails rather than overwrite.
 */
export async function copyFileOnce(source: string, target: string): Promise<boolean> {
  if (await exists(target)) return false;
  await mkdir(path.dirname(target), { recursive: true });
  const temp = tempNameFor(target);
  try {
    await copyFile(source, temp);
    try {
      await link(temp, target);
    } catch (err) {
      if (errorCode(err) === 'EEXIST') return false;
      // Some filesystems (e.g. certain network mounts) have no hard links; the existence check above has to do.
      if (errorCode(err) !== 'EPERM' && errorCode(err) !== 'ENOTSUP' && errorCode(err) !== 'ENOSYS') throw err;
      if (await exists(target)) return false;
      await rename(temp, target);
    }
    return true;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
