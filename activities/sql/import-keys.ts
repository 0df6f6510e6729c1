import type { Client } from 'pg';
import { withClient, type SqlConnection } from './connection';
import { readKeyDump, type KeyDumpRow } from './dump-files';
import { emptyImportResult, readDumpFor, type SqlImportResult } from './import-result';
import { inSavepoint, inTransaction } from './transaction';

export interface ImportKeysOptions {
  /**
   * Which rows of the dump to restore. Users can be done on their own, without the user password import:
   * knife-ec-backup only restores user keys inside its `--with-user-sql` step.
   */
  kind: 'user' | 'client';
  dryRun?: boolean;
}

type Lookup = { id: string } | { skip: string };

/** Actor ids differ between servers, so every row is re-pointed by name: username, or org name + client name. */
class ActorIds {
  private readonly orgs = new Map<string, string | undefined>();

  constructor(private readonly client: Client) {}

  async user(name: string): Promise<Lookup> {
    const found = await this.client.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [name]);
    const row = found.rows[0];
    return found.rows.length === 1 && row ? { id: row.id } : { skip: 'user does not exist on the destination' };
  }

  async clientOf(orgName: string | null | undefined, name: string): Promise<Lookup> {
    if (!orgName) return { skip: 'the dump names no organization for this client' };
    const orgId = await this.org(orgName);
    if (orgId === undefined) return { skip: `organization ${orgName} does not exist on the destination` };
    const found = await this.client.query<{ id: string }>('SELECT id FROM clients WHERE org_id = $1 AND name = $2', [
      orgId,
      name,
    ]);
    const row = found.rows[0];
    return found.rows.length === 1 && row ? { id: row.id } : { skip: 'client does not exist on the destination' };
  }

  private async org(name: string): Promise<string | undefined> {
    if (!this.orgs.has(name)) {
      const found = await this.client.query<{ id: string }>('SELECT id FROM orgs WHERE name = $1', [name]);
      this.orgs.set(name, found.rows.length === 1 ? found.rows[0]?.id : undefined);
    }
    return this.orgs.get(name);
  }
}

/**
 * Upsert on (id, key_name). `created_at` is set on insert only, so re-running an import does not make unchanged
 * keys look new.
 */
async function upsertKey(client: Client, id: string, row: KeyDumpRow): Promise<'inserted' | 'updated'> {
  const values = [id, row.key_name, row.public_key, row.key_version, row.expires_at];
  const updated = await client.query(
    'UPDATE keys SET public_key = $3, key_version = $4, expires_at = $5 WHERE id = $1 AND key_name = $2',
    values,
  );
  if ((updated.rowCount ?? 0) > 0) return 'updated';
  await client.query(
    'INSERT INTO keys (id, key_name, public_key, key_version, created_at, expires_at) VALUES ($1, $2, $3, $4, now(), $5)',
    values,
  );
  return 'inserted';
}

const label = (row: KeyDumpRow): string => (row.type === 'client' ? `${row.org_name ?? '?'}/${row.name}` : row.name);

/**
 * Restores every key of every user or client in `key_table_dump.json`, rotated ones included, onto actors the API
 * restore has created. pivotal and actors missing on the destination are skipped with a reason; one transaction.
 */
export async function importKeys(
  conn: SqlConnection,
  backupDir: string,
  opts: ImportKeysOptions,
): Promise<SqlImportResult> {
  const rows = (await readDumpFor(conn, () => readKeyDump(backupDir))).filter((row) => row.type === opts.kind);
  return withClient(conn, (client) =>
    inTransaction(client, opts.dryRun ?? false, async () => {
      const result = emptyImportResult();
      const actors = new ActorIds(client);
      for (const row of rows) {
        const name = label(row);
        if (row.type === 'user' && row.name === 'pivotal') {
          result.skipped.push({ name, reason: `key ${row.key_name}: pivotal's keys belong to the destination` });
          continue;
        }
        const actor = row.type === 'user' ? await actors.user(row.name) : await actors.clientOf(row.org_name, row.name);
        if ('skip' in actor) {
          result.skipped.push({ name, reason: `key ${row.key_name}: ${actor.skip}` });
          continue;
        }
        const outcome = await inSavepoint(client, () => upsertKey(client, actor.id, row));
        if (!outcome.ok) result.skipped.push({ name, reason: `key ${row.key_name}: write refused: ${outcome.reason}` });
        else if (outcome.value === 'inserted') result.inserted += 1;
        else result.updated += 1;
      }
      return result;
    }),
  );
}
