import type { Dirent, Stats } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';

// A missing file or folder is an expected state of a backup; anything else (permissions, I/O) still throws.
const isMissing = (err: unknown): boolean => {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

async function orUndefined<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export const readOptional = (file: string): Promise<Buffer | undefined> => orUndefined(readFile(file));
export const statOptional = (file: string): Promise<Stats | undefined> => orUndefined(stat(file));
export const readdirOptional = async (dir: string): Promise<Dirent[]> =>
  (await orUndefined(readdir(dir, { withFileTypes: true }))) ?? [];
