import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'pg';
import { z } from 'zod';
import { SqlError, toSqlError } from './errors';
import { timestampAsIsoTypes } from './timestamps';

/** Where the Chef Server's `opscode_chef` database lives. `ssl` members are file paths, as knife-ec-backup takes them. */
export interface SqlConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  ssl?: { ca?: string; cert?: string; key?: string };
}

const connectionSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1),
  user: z.string().min(1),
  password: z.string().optional(),
  ssl: z
    .object({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) })
    .partial()
    .optional(),
});

export function describeTarget(conn: Pick<SqlConnection, 'host' | 'port' | 'database'>): string {
  const host = conn.host.includes(':') && !conn.host.startsWith('/') ? `[${conn.host}]` : conn.host;
  return `${host}:${conn.port}/${conn.database}`;
}

/**
 * Fills the defaults of a standalone Chef Server and checks the result. Every field given is used as given:
 * knife-ec-backup dropped host, port and database on the way to its SQL connection (its issues #181, #204).
 */
export function sqlConnectionFromOptions(o: Partial<SqlConnection>): SqlConnection {
  const candidate = {
    host: o.host ?? 'localhost',
    port: o.port ?? 5432,
    database: o.database ?? 'opscode_chef',
    user: o.user ?? 'opscode_chef',
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.ssl !== undefined ? { ssl: o.ssl } : {}),
  };
  const parsed = connectionSchema.safeParse(candidate);
  if (!parsed.success) {
    // Issue paths and messages name fields, not values, so the password cannot leak here.
    const what = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new SqlError(describeTarget(candidate), `invalid connection options: ${what}`, false);
  }
  const { password, ssl, ...rest } = parsed.data;
  return { ...rest, ...(password !== undefined ? { password } : {}), ...(ssl !== undefined ? { ssl } : {}) };
}

async function readPem(kind: string, path: string | undefined): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    throw new Error(`cannot read TLS ${kind} file ${path} (${code})`);
  }
}

/**
 * With a CA the server certificate must chain to it, as libpq's `verify-ca`: the host name is not checked, since the
 * certificate need not name the address the database is reached by. Without a CA the link is encrypted but
 * unverified, as libpq's `require`.
 */
async function tlsOptions(ssl: SqlConnection['ssl']): Promise<ConnectionOptions | undefined> {
  if (!ssl) return undefined;
  const [ca, cert, key] = await Promise.all([
    readPem('CA', ssl.ca),
    readPem('certificate', ssl.cert),
    readPem('key', ssl.key),
  ]);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: ca !== undefined,
    checkServerIdentity: () => undefined,
  };
}

const CONNECT_TIMEOUT_MS = 15_000;

/**
 * Runs `work` on one fresh connection and closes it. Every failure leaves as an SqlError naming the target.
 * The session is pinned to ISO dates in UTC so timestamps read back the same whatever the server's defaults.
 */
export async function withClient<T>(conn: SqlConnection, work: (client: Client) => Promise<T>): Promise<T> {
  const target = describeTarget(conn);
  const fail = (err: unknown): SqlError => toSqlError(err, target, conn.user, conn.password);
  let client: Client | undefined;
  try {
    const ssl = await tlsOptions(conn.ssl);
    client = new Client({
      host: conn.host,
      port: conn.port,
      database: conn.database,
      user: conn.user,
      ...(conn.password !== undefined ? { password: conn.password } : {}),
      ...(ssl ? { ssl } : {}),
      application_name: 'chef-ha-migrator',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      types: timestampAsIsoTypes(),
    });
    // A server-side disconnect between queries is emitted as an event; without a listener it would crash the worker.
    // The next query fails with its own error, which is the one reported.
    client.on('error', () => undefined);
    await client.connect();
    await client.query(`SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'`);
    return await work(client);
  } catch (err) {
    throw fail(err);
  } finally {
    await client?.end().catch(() => undefined);
  }
}
