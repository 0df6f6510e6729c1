import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';

/** Backup-root file names, as knife-ec-backup writes them (reference §1.1). */
export const USER_DUMP_FILE = 'key_dump.json';
export const KEY_DUMP_FILE = 'key_table_dump.json';

/** A row of table `users`, column name → value. Only `username` is required: it is the key on import. */
export type UserDumpRow = { username: string } & Record<string, unknown>;

const userDumpSchema = z.array(z.looseObject({ username: z.string().min(1) }));

/** A row of view `keys_by_name` plus the org's name; newer servers add columns (`disabled`), which are kept. */
const keyDumpRowSchema = z.looseObject({
  id: z.string(),
  org_id: z.string(),
  name: z.string().min(1),
  type: z.enum(['user', 'client']),
  key_name: z.string().min(1),
  public_key: z.string(),
  key_version: z.number().int(),
  expires_at: z.string(),
  org_name: z.string().nullable().optional(),
});
export type KeyDumpRow = z.infer<typeof keyDumpRowSchema>;

const keyDumpSchema = z.array(keyDumpRowSchema);

/**
 * Writes pretty JSON so that readers never see half a file: a temporary sibling, fsync, then rename.
 * Mode 0600 because the dumps hold password hashes and public keys of every user.
 */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Reads and checks a dump. Errors name the file, row and field only: JSON.parse and value-echoing messages
 * would copy password hashes into logs.
 */
async function readDump<T>(backupDir: string, name: string, schema: z.ZodType<T>): Promise<T> {
  const file = join(backupDir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `backup has no ${name} (${file})` : `cannot read ${file} (${code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? `row ${first.path.map(String).join('.')}` : 'top level';
    throw new Error(`${file} is not a ${name} dump: ${where}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function readUserDump(backupDir: string): Promise<UserDumpRow[]> {
  return readDump(backupDir, USER_DUMP_FILE, userDumpSchema);
}

export function readKeyDump(backupDir: string): Promise<KeyDumpRow[]> {
  return readDump(backupDir, KEY_DUMP_FILE, keyDumpSchema);
}
