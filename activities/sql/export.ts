import { join } from 'node:path';
import type { SqlConnection } from './connection';
import { describeTarget, withClient } from './connection';
import { KEY_DUMP_FILE, USER_DUMP_FILE, writeJsonAtomic } from './dump-files';
import { toSqlError } from './errors';

export interface SqlExportResult {
  rows: number;
  file: string;
}

/** Reads first and writes only on success, so a failed export never replaces a good dump with a partial one. */
async function exportQuery(conn: SqlConnection, sql: string, file: string): Promise<SqlExportResult> {
  const rows = await withClient(conn, async (client) => (await client.query<Record<string, unknown>>(sql)).rows);
  try {
    await writeJsonAtomic(file, rows);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw toSqlError(new Error(`cannot write ${file} (${code})`), describeTarget(conn), conn.user, conn.password);
  }
  return { rows: rows.length, file };
}

/**
 * `key_dump.json`: every column of every row of `users`, password hashes included (knife `--with-user-sql`).
 * Ordered so that two backups of the same server diff cleanly.
 */
export function exportUsers(conn: SqlConnection, backupDir: string): Promise<SqlExportResult> {
  return exportQuery(conn, 'SELECT * FROM users ORDER BY username', join(backupDir, USER_DUMP_FILE));
}

/**
 * `key_table_dump.json`: every user and client key, including rotated ones, with the client's org name so that
 * import can find the client on a server where org ids differ (knife `--with-key-sql`).
 */
export function exportKeys(conn: SqlConnection, backupDir: string): Promise<SqlExportResult> {
  const sql = `SELECT keys_by_name.*, orgs.name AS org_name
    FROM keys_by_name LEFT JOIN orgs ON keys_by_name.org_id = orgs.id
    ORDER BY keys_by_name.type, orgs.name NULLS FIRST, keys_by_name.name, keys_by_name.key_name`;
  return exportQuery(conn, sql, join(backupDir, KEY_DUMP_FILE));
}
