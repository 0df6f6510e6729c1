import path from 'node:path';
import { copyFileOnce, writeFileAtomic } from './atomic-write';
import { SIDECAR_DIR, type BackupContext } from './context';
import { readOptional } from './fs-optional';

export const ORIGINALS_DIR = `${SIDECAR_DIR}/tidy-originals`;

/** Write every changed file, saving each existing file's original first; returns the paths written. */
export async function commitChanges(ctx: BackupContext): Promise<string[]> {
  const written: string[] = [];
  for (const { rel, content } of ctx.pending()) {
    const file = ctx.abs(rel);
    const current = await readOptional(file);
    if (current?.equals(Buffer.from(content, 'utf8'))) continue;
    // Files created by a rule have no original to keep.
    const savedOriginal = path.join(ctx.dir, ...ORIGINALS_DIR.split('/'), ...rel.split('/'));
    if (current !== undefined) await copyFileOnce(file, savedOriginal);
    await writeFileAtomic(file, content);
    written.push(rel);
  }
  return written;
}
