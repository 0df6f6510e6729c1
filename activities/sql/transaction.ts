import type { Client } from 'pg';
import { describeRowError, isRowError } from './errors';

/**
 * One transaction per import call, so a failed or interrupted import leaves the destination as it was.
 * A dry run does all the same reads and writes and then rolls back, so it reports exactly what a real run would do.
 */
export async function inTransaction<T>(client: Client, dryRun: boolean, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query(dryRun ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export type RowOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Runs the writes of one dump row under a savepoint: a data error in that row (constraint, bad value) undoes only
 * that row and is reported, instead of aborting the transaction for every other row.
 */
export async function inSavepoint<T>(client: Client, work: () => Promise<T>): Promise<RowOutcome<T>> {
  await client.query('SAVEPOINT dump_row');
  try {
    const value = await work();
    await client.query('RELEASE SAVEPOINT dump_row');
    return { ok: true, value };
  } catch (err) {
    if (!isRowError(err)) throw err;
    await client.query('ROLLBACK TO SAVEPOINT dump_row');
    return { ok: false, reason: describeRowError(err) };
  }
}
