import { Pool } from 'pg';
import type { Ledger, LedgerKey } from './ledger';

/**
 * The ledger in PostgreSQL, shared by every worker. Concurrent writes share one upsert (group commit).
 * Operators read it with:
 *   SELECT org, kind, state, count(*) FROM chef_migrate_ledger GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS chef_migrate_ledger (
  destination text NOT NULL,
  org text NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  digest text,
  state text NOT NULL CHECK (state IN ('written', 'failed', 'deleted')),
  attempts integer NOT NULL DEFAULT 1,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (destination, org, kind, name)
)`;

interface Row {
  key: LedgerKey;
  name: string;
  digest: string | null;
  state: 'written' | 'failed' | 'deleted';
  error: string | null;
}

export class PgLedger implements Ledger {
  private pending: { row: Row; done: () => void; fail: (err: unknown) => void }[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PgLedger> {
    // Room for the claims (one held connection each) next to the group commits.
    const pool = new Pool({ connectionString, max: 8 });
    // An idle connection that PostgreSQL drops (restart, failover, idle timeout, pg_terminate_backend) is an
    // 'error' event on the pool; unhandled, it kills the process. The pool discards that client by itself and
    // the next query opens a new one (or fails, and that flush or load reports it).
    pool.on('error', () => undefined);
    // Serialise concurrent first-time creation by several workers.
    const c = await pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock(727170)');
      await c.query(SCHEMA);
      await c.query('SELECT pg_advisory_unlock(727170)');
    } finally {
      c.release();
    }
    return new PgLedger(pool);
  }

  async load(k: LedgerKey): Promise<Map<string, string>> {
    const r = await this.pool.query<{ name: string; digest: string }>(
      `SELECT name, digest FROM chef_migrate_ledger WHERE destination = $1 AND org = $2 AND kind = $3 AND state = 'written'`,
      [k.destination, k.org, k.kind],
    );
    return new Map(r.rows.map((row) => [row.name, row.digest]));
  }

  written(key: LedgerKey, name: string, digest: string): Promise<void> {
    return this.push({ key, name, digest, state: 'written', error: null });
  }
  failed(key: LedgerKey, name: string, error: string): Promise<void> {
    return this.push({ key, name, digest: null, state: 'failed', error: error.slice(0, 2000) });
  }
  deleted(key: LedgerKey, name: string): Promise<void> {
    return this.push({ key, name, digest: null, state: 'deleted', error: null });
  }

  /**
   * Group commit: a row is durable when its promise resolves, and every row that arrives while a batch is
   * being written goes into the next one, so concurrent objects share one upsert. A crash therefore repeats
   * at most the objects in flight, never objects already counted done.
   */
  private push(row: Row): Promise<void> {
    return new Promise((done, fail) => {
      this.pending.push({ row, done, fail });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => void this.drain());
    });
  }

  private drain(): Promise<void> {
    // A failed batch fails its own rows only; later batches still get their turn.
    this.flushing = this.flushing
      .catch(() => undefined)
      .then(async () => {
        this.scheduled = false;
        const batch = this.pending.splice(0);
        if (!batch.length) return;
        try {
          await this.upsert(batch.map((b) => b.row));
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.fail(err);
          throw err;
        }
      });
    return this.flushing;
  }

  /**
   * A session advisory lock on its own connection: released by the release function, or by PostgreSQL when
   * the worker dies and its connection drops, so a crashed worker never blocks the others.
   */
  async claim(k: LedgerKey): Promise<() => Promise<void>> {
    const client = await this.pool.connect();
    const lockKey = JSON.stringify([k.destination, k.org, k.kind]);
    try {
      await client.query('SELECT pg_advisory_lock(727171, hashtext($1))', [lockKey]);
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    return async () => {
      try {
        await client.query('SELECT pg_advisory_unlock(727171, hashtext($1))', [lockKey]);
        client.release();
      } catch (err) {
        client.release(err as Error);
      }
    };
  }

  async flush(): Promise<void> {
    await this.drain();
  }

  private async upsert(batch: Row[]): Promise<void> {
    // The last row wins when a batch names one object twice.
    const unique = new Map(
      batch.map((r) => [`${r.key.destination}\u0000${r.key.org}\u0000${r.key.kind}\u0000${r.name}`, r]),
    );
    const rows = [...unique.values()];
    await this.pool.query(
      `INSERT INTO chef_migrate_ledger AS l (destination, org, kind, name, digest, state, last_error)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
       ON CONFLICT (destination, org, kind, name) DO UPDATE SET
         digest = EXCLUDED.digest, state = EXCLUDED.state, last_error = EXCLUDED.last_error,
         attempts = CASE WHEN EXCLUDED.state = 'failed' THEN l.attempts + 1 ELSE 1 END, updated_at = now()`,
      [
        rows.map((r) => r.key.destination),
        rows.map((r) => r.key.org),
        rows.map((r) => r.key.kind),
        rows.map((r) => r.name),
        rows.map((r) => r.digest),
        rows.map((r) => r.state),
        rows.map((r) => r.error),
      ],
    );
  }

  async counts(destination: string): Promise<{ org: string; kind: string; state: string; count: number }[]> {
    const r = await this.pool.query(
      `SELECT org, kind, state, count(*)::int AS count FROM chef_migrate_ledger WHERE destination = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [destination],
    );
    return r.rows;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.pool.end();
  }
}
