import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BackupFormatError } from '../errors';

/** Pretty JSON as knife-ec-backup writes it. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/**
 * Writes through a temp file and a rename, so a crash never leaves half a file. Unchanged content is not
 * rewritten unless the caller already knows it changed (`known: 'changed'` spares reading the old file).
 */
export async function writeFileAtomic(file: string, data: string | Buffer, known?: 'changed'): Promise<boolean> {
  if (known !== 'changed') {
    const existing = await readFile(file).catch(() => undefined);
    if (existing && existing.equals(typeof data === 'string' ? Buffer.from(data) : data)) return false;
  }
  const tmp = `${file}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    // The folder nearly always exists: create it only when the write says it does not.
    await writeFile(tmp, data).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await mkdir(dirname(file), { recursive: true });
      await writeFile(tmp, data);
    });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return true;
}

export async function writeJsonFile(file: string, value: unknown): Promise<boolean> {
  return writeFileAtomic(file, prettyJson(value));
}

/** Reads a JSON file of the backup; a missing file is undefined, a malformed one a BackupFormatError naming it. */
export async function readJsonFile<T = unknown>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BackupFormatError(file, `cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new BackupFormatError(
      file,
      `not valid JSON (${(err as Error).message}); fix or remove the file, or run tidy`,
    );
  }
}
