import { escapeIdentifier, type Client } from 'pg';
import { withClient, type SqlConnection } from './connection';
import { readUserDump, type UserDumpRow } from './dump-files';
import { emptyImportResult, readDumpFor, type SqlImportResult } from './import-result';
import { inSavepoint, inTransaction } from './transaction';

export interface ImportUsersOptions {
  /** Also copy the source's `users.id` (knife `--no-skip-user-ids`); the user's key rows follow the new id. */
  keepUserIds?: boolean;
  dryRun?: boolean;
}

/** The destination's superuser; its password and keys belong to that server's own install. */
const PIVOTAL = 'pivotal';

const PASSWORD_COLUMNS = ['hashed_password', 'salt', 'hash_type'] as const;

/**
 * The columns to set on the destination for one dump row (reference §4):
 * - `authz_id` never travels: it points into the destination's own authorization service (bifrost);
 * - `id` travels only when asked, since the API restore already created the user under a new id that org
 *   memberships reference;
 * - a dump from a server older than the split password columns has no `hash_type`: clearing all three satisfies the
 *   schema's all-or-none check, and the password then lives in `serialized_object` as it did on that server.
 */
export function userUpdateColumns(row: UserDumpRow, keepUserIds: boolean): Map<string, unknown> {
  const columns = new Map<string, unknown>();
  for (const [name, value] of Object.entries(row)) {
    if (name === 'authz_id' || name === 'username' || (name === 'id' && !keepUserIds)) continue;
    columns.set(name, value);
  }
  if (!('hash_type' in row)) for (const name of PASSWORD_COLUMNS) columns.set(name, null);
  return columns;
}

/** The column names of `table` as this session sees it (search_path included); a missing table fails clearly. */
async function tableColumns(client: Client, table: string): Promise<Set<string>> {
  const result = await client.query(`SELECT * FROM ${escapeIdentifier(table)} LIMIT 0`);
  return new Set(result.fields.map((f) => f.name));
}

const FK_HINT =
  ' (the user exists on the destination under a different id that other rows, such as org memberships, reference;' +
  ' import without keepUserIds)';

async function updateUser(
  client: Client,
  username: string,
  currentId: string,
  columns: Map<string, unknown>,
): Promise<number> {
  const newId = columns.get('id');
  // keys has no foreign key to users: without this the user's keys would be orphaned under the old id.
  if (typeof newId === 'string' && newId !== currentId) {
    await client.query('UPDATE keys SET id = $1 WHERE id = $2', [newId, currentId]);
  }
  const names = [...columns.keys()];
  const assignments = names.map((name, i) => `${escapeIdentifier(name)} = $${i + 1}`).join(', ');
  const values = [...columns.values(), username];
  const result = await client.query(`UPDATE users SET ${assignments} WHERE username = $${values.length}`, values);
  return result.rowCount ?? 0;
}

/**
 * Restores what the Chef API cannot carry (password hashes, serialized_object, external auth uid, admin flag,
 * timestamps) into users that the API restore has already created. A user missing on the destination is skipped
 * with a reason, as is pivotal; one transaction for the whole call.
 */
export async function importUsers(
  conn: SqlConnection,
  backupDir: string,
  opts: ImportUsersOptions = {},
): Promise<SqlImportResult> {
  const rows = await readDumpFor(conn, () => readUserDump(backupDir));
  const keepUserIds = opts.keepUserIds ?? false;
  return withClient(conn, (client) =>
    inTransaction(client, opts.dryRun ?? false, async () => {
      const result = emptyImportResult();
      const destinationColumns = await tableColumns(client, 'users');
      const ignored = new Set<string>();
      for (const row of rows) {
        const name = row.username;
        if (name === PIVOTAL) {
          result.skipped.push({ name, reason: 'pivotal is never restored: the destination keeps its own superuser' });
          continue;
        }
        const found = await client.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [name]);
        const current = found.rows[0];
        if (found.rows.length !== 1 || !current) {
          result.skipped.push({
            name,
            reason: 'user does not exist on the destination (restore it through the API first)',
          });
          continue;
        }
        const columns = userUpdateColumns(row, keepUserIds);
        for (const column of columns.keys()) {
          if (destinationColumns.has(column)) continue;
          ignored.add(column);
          columns.delete(column);
        }
        if (columns.size === 0) {
          result.skipped.push({ name, reason: 'no column of the dump exists on the destination' });
          continue;
        }
        const outcome = await inSavepoint(client, () => updateUser(client, name, current.id, columns));
        if (outcome.ok) result.updated += outcome.value;
        else {
          const hint = outcome.reason.startsWith('foreign key') && keepUserIds ? FK_HINT : '';
          result.skipped.push({ name, reason: `update refused: ${outcome.reason}${hint}` });
        }
      }
      if (ignored.size > 0) result.ignoredColumns = [...ignored].sort();
      return result;
    }),
  );
}
