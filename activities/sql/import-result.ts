import { describeTarget, type SqlConnection } from './connection';
import { toSqlError } from './errors';

export interface SqlImportResult {
  updated: number;
  inserted: number;
  /** Rows not written, with why: pivotal, a user/org/client missing on the destination, a row the database refused. */
  skipped: { name: string; reason: string }[];
  /**
   * Dump columns the destination table does not have (a source newer than the destination), left out of every
   * update. Present only when there are some, so the operator sees what did not travel (e.g. `disabled`).
   */
  ignoredColumns?: string[];
}

export function emptyImportResult(): SqlImportResult {
  return { updated: 0, inserted: 0, skipped: [] };
}

/** Dump files are read before connecting; their errors still leave as SqlError, like everything on the SQL path. */
export async function readDumpFor<T>(conn: SqlConnection, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw toSqlError(err, describeTarget(conn), conn.user, conn.password);
  }
}
