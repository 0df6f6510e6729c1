// Any zone but UTC: pg's default Date parsing would shift `timestamp` columns here; the SQL path must not.
process.env.TZ = 'America/New_York';

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import {
  exportKeys,
  exportUsers,
  importKeys,
  importUsers,
  KEY_DUMP_FILE,
  sqlConnectionFromOptions,
  SqlError,
  USER_DUMP_FILE,
  type SqlConnection,
  type SqlImportResult,
} from '../activities/sql';
import { describeRowError, toSqlError } from '../activities/sql/errors';
import { pgTimestampToIso } from '../activities/sql/timestamps';

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const suffix = randomBytes(4).toString('hex');
const SRC = `cm_sql_src_${suffix}`;
const DST = `cm_sql_dst_${suffix}`;
const EC11 = `cm_sql_ec11_${suffix}`;
const SCHEMA = join(__dirname, 'fixtures', 'opscode_chef_schema.sql');

/** Stable 32-hex ids, different per server, as two Chef Servers would assign them. */
const id = (tag: string): string => createHash('md5').update(tag).digest('hex');
const pem = (tag: string): string => `-----BEGIN PUBLIC KEY-----\n${tag}\n-----END PUBLIC KEY-----\n`;

async function connect(database: string): Promise<Client> {
  const client = new Client({ ...PG, database });
  await client.connect();
  return client;
}

async function withDb<T>(database: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = await connect(database);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// Every connection of the code under test names host, port, database and user explicitly; none is a default.
const conn = (database: string): SqlConnection => sqlConnectionFromOptions({ ...PG, database });

const ts = '2016-03-30 18:12:26.123456';

async function addOrg(c: Client, server: string, name: string): Promise<string> {
  const orgId = id(`${server}:org:${name}`);
  await c.query(
    `INSERT INTO orgs (id, authz_id, name, full_name, assigned_at, last_updated_by, created_at, updated_at)
     VALUES ($1, $2, $3, $3, now(), $2, now(), now())`,
    [orgId, id(`${server}:authz:org:${name}`), name],
  );
  return orgId;
}

interface UserSeed {
  name: string;
  hash?: [string, string, string];
  serialized?: string;
  externalUid?: string;
  admin?: boolean;
}

/** Current erchef: the sentinel in users.public_key and the key in `keys` (create_and_update_users.sql). */
async function addUser(c: Client, server: string, u: UserSeed): Promise<string> {
  const userId = id(`${server}:user:${u.name}`);
  await c.query(
    `INSERT INTO users (id, authz_id, username, email, pubkey_version, public_key, serialized_object, last_updated_by,
       created_at, updated_at, external_authentication_uid, recovery_authentication_enabled, admin,
       hashed_password, salt, hash_type)
     VALUES ($1, $2, $3, $4, 0, 'this_is_not_a_key', $5, $2, $6, $6, $7, false, $8, $9, $10, $11)`,
    [
      userId,
      id(`${server}:authz:user:${u.name}`),
      u.name,
      `${u.name}@example.com`,
      u.serialized ?? JSON.stringify({ display_name: `${server} ${u.name}` }),
      server === 'src' ? ts : '2024-06-01 00:00:00',
      u.externalUid ?? null,
      u.admin ?? false,
      ...(u.hash ?? [null, null, null]),
    ],
  );
  await addKey(c, userId, 'default', pem(`${server}-${u.name}-default`), 'infinity');
  return userId;
}

async function addKey(c: Client, actorId: string, keyName: string, key: string, expires: string): Promise<void> {
  await c.query(
    `INSERT INTO keys (id, key_name, public_key, key_version, created_at, expires_at) VALUES ($1, $2, $3, 1, now(), $4)`,
    [actorId, keyName, key, expires],
  );
}

/** Pre-12.x style: the key in clients.public_key, the add_key trigger writes the default key row. */
async function addClient(c: Client, server: string, orgId: string, name: string): Promise<string> {
  const clientId = id(`${server}:client:${orgId}:${name}`);
  await c.query(
    `INSERT INTO clients (id, org_id, authz_id, name, public_key, validator, last_updated_by, created_at, updated_at,
       pubkey_version)
     VALUES ($1, $2, $3, $4, $5, $6, $3, now(), now(), 1)`,
    [
      clientId,
      orgId,
      id(`${server}:authz:client:${name}`),
      name,
      pem(`${server}-${name}-default`),
      name.endsWith('-validator'),
    ],
  );
  return clientId;
}

async function seedSource(c: Client): Promise<void> {
  // A source newer than the destination (users_add_disabled.sql): that column cannot travel.
  await c.query('ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT false');
  const acme = await addOrg(c, 'src', 'acme');
  const beta = await addOrg(c, 'src', 'beta');
  const gamma = await addOrg(c, 'src', 'gamma');
  await addUser(c, 'src', { name: 'pivotal', hash: ['src-pivotal-hash', 'src-pivotal-salt', 'bcrypt'], admin: true });
  const alice = await addUser(c, 'src', {
    name: 'alice',
    hash: ['$2a$12$srcAliceHash', '$2a$12$srcAliceSalt', 'bcrypt'],
    serialized: JSON.stringify({ first_name: 'Alice', last_name: 'Source', display_name: 'alice' }),
  });
  await addKey(c, alice, 'rotated-2024', pem('src-alice-rotated'), '2030-01-01 00:00:00');
  await addUser(c, 'src', { name: 'bob', hash: ['src-bob-sha1bcrypt', 'src-bob-salt', 'SHA1-bcrypt'] });
  await addUser(c, 'src', { name: 'carol', hash: ['src-carol-hash', 'src-carol-salt', 'bcrypt'] });
  await addUser(c, 'src', { name: 'dave', externalUid: 'dave@LDAP' });
  const web1 = await addClient(c, 'src', acme, 'web1');
  await addKey(c, web1, 'rotated', pem('src-web1-rotated'), '2031-12-31 23:59:59.5');
  await addClient(c, 'src', acme, 'acme-validator');
  await addClient(c, 'src', beta, 'db1');
  await addClient(c, 'src', beta, 'gone');
  await addClient(c, 'src', gamma, 'g1');
}

/** What the API restore leaves: the same names under new ids, new authz ids, random passwords, fresh keys. */
async function seedDestination(c: Client): Promise<void> {
  const acme = await addOrg(c, 'dst', 'acme');
  const beta = await addOrg(c, 'dst', 'beta');
  await addUser(c, 'dst', { name: 'pivotal', hash: ['dst-pivotal-hash', 'dst-pivotal-salt', 'bcrypt'], admin: true });
  await addUser(c, 'dst', { name: 'alice', hash: ['dst-random-1', 'dst-salt-1', 'bcrypt'] });
  await addUser(c, 'dst', { name: 'bob', hash: ['dst-random-2', 'dst-salt-2', 'bcrypt'] });
  await addUser(c, 'dst', { name: 'dave', hash: ['dst-random-3', 'dst-salt-3', 'bcrypt'] });
  await addClient(c, 'dst', acme, 'web1');
  await addClient(c, 'dst', acme, 'acme-validator');
  await addClient(c, 'dst', beta, 'db1');
}

async function snapshot(database: string): Promise<unknown> {
  return withDb(database, async (c) => ({
    users: (await c.query('SELECT * FROM users ORDER BY username')).rows,
    keys: (await c.query('SELECT * FROM keys ORDER BY id, key_name')).rows,
  }));
}

async function keysOf(database: string, type: 'user' | 'client', name: string): Promise<Record<string, string>> {
  return withDb(database, async (c) => {
    const rows = await c.query<{ key_name: string; public_key: string; expires_at: string }>(
      'SELECT key_name, public_key, expires_at::text FROM keys_by_name WHERE type = $1 AND name = $2',
      [type, name],
    );
    return Object.fromEntries(rows.rows.map((r) => [r.key_name, `${r.public_key.split('\n')[1]} ${r.expires_at}`]));
  });
}

const sortSkipped = (r: SqlImportResult): SqlImportResult => ({
  ...r,
  skipped: [...r.skipped].sort((a, b) => `${a.name}${a.reason}`.localeCompare(`${b.name}${b.reason}`)),
});

void describe('SQL path (key_dump.json / key_table_dump.json)', () => {
  let backupDir: string;
  const dry: Record<string, SqlImportResult> = {};

  before(async () => {
    backupDir = await mkdtemp(join(tmpdir(), 'cm-sql-'));
    const ddl = await readFile(SCHEMA, 'utf8');
    await withDb('postgres', async (admin) => {
      for (const db of [SRC, DST, EC11]) await admin.query(`CREATE DATABASE ${db}`);
    });
    await withDb(SRC, async (c) => {
      await c.query(ddl);
      await seedSource(c);
    });
    await withDb(DST, async (c) => {
      await c.query(ddl);
      await seedDestination(c);
    });
    // An Enterprise Chef 11 database: users and orgs, no keys table, no keys_by_name view.
    await withDb(EC11, async (c) => {
      await c.query(ddl);
      await c.query('DROP VIEW keys_by_name; DROP TABLE keys CASCADE');
    });
  });

  after(async () => {
    await withDb('postgres', async (admin) => {
      for (const db of [SRC, DST, EC11]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    });
    if (backupDir) await rm(backupDir, { recursive: true, force: true });
  });

  void test('export writes both dumps atomically, pretty, private, with ISO and infinity timestamps', async () => {
    const users = await exportUsers(conn(SRC), backupDir);
    assert.deepEqual(users, { rows: 5, file: join(backupDir, USER_DUMP_FILE) });
    const keys = await exportKeys(conn(SRC), backupDir);
    assert.deepEqual(keys, { rows: 12, file: join(backupDir, KEY_DUMP_FILE) });

    assert.deepEqual((await readdir(backupDir)).sort(), [USER_DUMP_FILE, KEY_DUMP_FILE].sort(), 'no temp files left');
    assert.equal((await stat(users.file)).mode & 0o777, 0o600);
    const userText = await readFile(users.file, 'utf8');
    assert.match(userText, /^\[\n {2}\{\n {4}"/, 'pretty printed');

    const userRows = JSON.parse(userText) as Record<string, unknown>[];
    const alice = userRows.find((r) => r.username === 'alice');
    assert.ok(alice);
    assert.equal(alice.hashed_password, '$2a$12$srcAliceHash');
    assert.equal(alice.hash_type, 'bcrypt');
    assert.equal(alice.created_at, '2016-03-30T18:12:26.123456Z', 'wall-clock UTC, no zone shift, microseconds kept');
    assert.equal(alice.disabled, false);
    // Every column, in table order: the ones erchef reads and the one this destination lacks.
    assert.deepEqual(Object.keys(alice), [
      'id',
      'authz_id',
      'username',
      'email',
      'pubkey_version',
      'public_key',
      'serialized_object',
      'last_updated_by',
      'created_at',
      'updated_at',
      'external_authentication_uid',
      'recovery_authentication_enabled',
      'admin',
      'hashed_password',
      'salt',
      'hash_type',
      'disabled',
    ]);

    const keyRows = JSON.parse(await readFile(keys.file, 'utf8')) as Record<string, unknown>[];
    const aliceKeys = keyRows.filter((r) => r.name === 'alice');
    assert.deepEqual(
      aliceKeys.map((r) => [r.key_name, r.expires_at, r.org_id, r.org_name, r.type]),
      [
        ['default', 'infinity', 'global', null, 'user'],
        ['rotated-2024', '2030-01-01T00:00:00Z', 'global', null, 'user'],
      ],
    );
    const web1 = keyRows.filter((r) => r.name === 'web1');
    assert.deepEqual(
      web1.map((r) => [r.key_name, r.org_name, r.expires_at]),
      [
        ['default', 'acme', 'infinity'],
        ['rotated', 'acme', '2031-12-31T23:59:59.5Z'],
      ],
    );
  });

  void test('dry runs change nothing and report what the real run does', async () => {
    const before = await snapshot(DST);
    dry.users = await importUsers(conn(DST), backupDir, { dryRun: true });
    dry.userKeys = await importKeys(conn(DST), backupDir, { kind: 'user', dryRun: true });
    dry.clientKeys = await importKeys(conn(DST), backupDir, { kind: 'client', dryRun: true });
    assert.deepEqual(await snapshot(DST), before);
    assert.equal(dry.users.updated, 3);
    assert.equal(dry.userKeys.inserted, 1);
    assert.equal(dry.clientKeys.inserted, 1);
  });

  void test('user keys import on their own, without the user import, rotated keys included', async () => {
    const pivotalBefore = await keysOf(DST, 'user', 'pivotal');
    const result = await importKeys(conn(DST), backupDir, { kind: 'user' });
    assert.deepEqual(sortSkipped(result), {
      updated: 3,
      inserted: 1,
      skipped: [
        { name: 'carol', reason: 'key default: user does not exist on the destination' },
        { name: 'pivotal', reason: "key default: pivotal's keys belong to the destination" },
      ],
    });
    assert.deepEqual(sortSkipped(result), sortSkipped(dry.userKeys ?? assert.fail()));
    assert.deepEqual(await keysOf(DST, 'user', 'alice'), {
      default: 'src-alice-default infinity',
      'rotated-2024': 'src-alice-rotated 2030-01-01 00:00:00',
    });
    assert.deepEqual(await keysOf(DST, 'user', 'bob'), { default: 'src-bob-default infinity' });
    assert.deepEqual(await keysOf(DST, 'user', 'pivotal'), pivotalBefore);
  });

  void test('user import restores hashes and serialized_object, keeps destination ids, leaves pivotal alone', async () => {
    const [srcUsers, dstBefore] = await Promise.all([
      withDb(SRC, async (c) => (await c.query('SELECT * FROM users')).rows),
      withDb(DST, async (c) => (await c.query('SELECT * FROM users')).rows),
    ]);
    const src = (name: string) => srcUsers.find((r) => r.username === name);
    const pivotalBefore = dstBefore.find((r) => r.username === 'pivotal');

    const result = await importUsers(conn(DST), backupDir);
    assert.deepEqual(sortSkipped(result), {
      updated: 3,
      inserted: 0,
      skipped: [
        { name: 'carol', reason: 'user does not exist on the destination (restore it through the API first)' },
        { name: 'pivotal', reason: 'pivotal is never restored: the destination keeps its own superuser' },
      ],
      ignoredColumns: ['disabled'],
    });
    assert.deepEqual(sortSkipped(result), sortSkipped(dry.users ?? assert.fail()));

    const dstAfter = await withDb(DST, async (c) => (await c.query('SELECT * FROM users')).rows);
    const dst = (name: string) => dstAfter.find((r) => r.username === name);
    for (const name of ['alice', 'bob', 'dave']) {
      for (const column of [
        'hashed_password',
        'salt',
        'hash_type',
        'serialized_object',
        'external_authentication_uid',
      ]) {
        assert.equal(dst(name)?.[column], src(name)?.[column], `${name}.${column}`);
      }
      assert.deepEqual(dst(name)?.created_at, src(name)?.created_at, `${name}.created_at survives a non-UTC host`);
      assert.equal(dst(name)?.id, id(`dst:user:${name}`), 'destination id kept');
      assert.equal(dst(name)?.authz_id, id(`dst:authz:user:${name}`), 'authz_id never copied');
    }
    assert.equal(dst('dave')?.hashed_password, null);
    assert.deepEqual(dst('pivotal'), pivotalBefore);
    assert.equal(dst('carol'), undefined, 'import never creates users');
    // The user update must not disturb the keys restored before it.
    assert.deepEqual(await keysOf(DST, 'user', 'alice'), {
      default: 'src-alice-default infinity',
      'rotated-2024': 'src-alice-rotated 2030-01-01 00:00:00',
    });
  });

  void test('client keys land on the destination clients, found by org and name; missing org/client skipped', async () => {
    const result = await importKeys(conn(DST), backupDir, { kind: 'client' });
    assert.deepEqual(sortSkipped(result), {
      updated: 3,
      inserted: 1,
      skipped: [
        { name: 'beta/gone', reason: 'key default: client does not exist on the destination' },
        { name: 'gamma/g1', reason: 'key default: organization gamma does not exist on the destination' },
      ],
    });
    assert.deepEqual(sortSkipped(result), sortSkipped(dry.clientKeys ?? assert.fail()));
    assert.deepEqual(await keysOf(DST, 'client', 'web1'), {
      default: 'src-web1-default infinity',
      rotated: 'src-web1-rotated 2031-12-31 23:59:59.5',
    });
    assert.deepEqual(await keysOf(DST, 'client', 'acme-validator'), { default: 'src-acme-validator-default infinity' });
    assert.deepEqual(await keysOf(DST, 'client', 'db1'), { default: 'src-db1-default infinity' });

    const again = await importKeys(conn(DST), backupDir, { kind: 'client' });
    assert.equal(again.inserted, 0, 're-running is an update, not a duplicate');
    assert.equal(again.updated, 4);
  });

  void test('keepUserIds copies source ids and moves the user keys along', async () => {
    const result = await importUsers(conn(DST), backupDir, { keepUserIds: true });
    assert.equal(result.updated, 3);
    const ids = await withDb(DST, async (c) => {
      const users = await c.query<{ username: string; id: string }>('SELECT username, id FROM users');
      const orphans = await c.query(
        'SELECT id FROM keys WHERE id NOT IN (SELECT id FROM users UNION SELECT id FROM clients)',
      );
      return { users: Object.fromEntries(users.rows.map((r) => [r.username, r.id])), orphans: orphans.rowCount };
    });
    assert.equal(ids.users.alice, id('src:user:alice'));
    assert.equal(ids.users.pivotal, id('dst:user:pivotal'));
    assert.equal(ids.orphans, 0);
    assert.deepEqual(Object.keys(await keysOf(DST, 'user', 'alice')).sort(), ['default', 'rotated-2024']);
  });

  void test('a row the database refuses is skipped without echoing its values; the other rows still apply', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cm-sql-bad-'));
    try {
      const rows = JSON.parse(await readFile(join(backupDir, USER_DUMP_FILE), 'utf8')) as Record<string, unknown>[];
      const bad = rows.map((r) =>
        r.username === 'bob' ? { ...r, hashed_password: 'SECRET-HASH-VALUE', hash_type: 'SECRET-TYPE' } : r,
      );
      await writeFile(join(dir, USER_DUMP_FILE), JSON.stringify(bad));
      const result = await importUsers(conn(DST), dir, { dryRun: true });
      assert.equal(result.updated, 2);
      const bob = result.skipped.find((s) => s.name === 'bob');
      assert.match(bob?.reason ?? '', /^update refused: invalid value \(SQLSTATE 22P02\)/);
      assert.doesNotMatch(JSON.stringify(result), /SECRET/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('connection options: defaults, and every given field is honoured', async () => {
    assert.deepEqual(sqlConnectionFromOptions({}), {
      host: 'localhost',
      port: 5432,
      database: 'opscode_chef',
      user: 'opscode_chef',
    });
    assert.throws(
      () => sqlConnectionFromOptions({ port: 70000, password: 'hunter2-secret' }),
      (err: unknown) => {
        assert.ok(err instanceof SqlError);
        assert.match(err.message, /^PostgreSQL localhost:70000\/opscode_chef: invalid connection options: port/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      },
    );
    // The user is honoured: the default role does not exist on this server.
    await assert.rejects(exportUsers(sqlConnectionFromOptions({ ...PG, user: undefined, database: SRC }), backupDir), {
      name: 'SqlError',
      message: new RegExp(`^PostgreSQL 127\\.0\\.0\\.1:5432/${SRC}: .*role "opscode_chef" does not exist`),
    });
    // The database is honoured: the same query against the two databases sees two different servers.
    const otherDir = await mkdtemp(join(tmpdir(), 'cm-sql-dst-'));
    try {
      assert.equal((await exportUsers(conn(DST), otherDir)).rows, 4);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  void test('a connection error names host:port/db and never the password', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    const password = 'S3cr3t-Hunter2-pw';
    const target = sqlConnectionFromOptions({ host: '127.0.0.1', port, database: SRC, user: 'opscode_chef', password });
    await assert.rejects(exportUsers(target, backupDir), (err: unknown) => {
      assert.ok(err instanceof SqlError);
      assert.equal(err.message, `PostgreSQL 127.0.0.1:${port}/${SRC}: connection refused`);
      assert.equal(err.retryable, true);
      assert.doesNotMatch(`${err.message} ${err.stack ?? ''} ${JSON.stringify(err)}`, /S3cr3t/);
      return true;
    });
  });

  void test('an Enterprise Chef 11 database (no keys_by_name) fails the key export clearly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cm-sql-ec11-'));
    try {
      await assert.rejects(exportKeys(conn(EC11), dir), (err: unknown) => {
        assert.ok(err instanceof SqlError);
        assert.match(
          err.message,
          new RegExp(`^PostgreSQL 127\\.0\\.0\\.1:5432/${EC11}: missing table or view keys_by_name`),
        );
        assert.match(err.message, /Enterprise Chef 11/);
        assert.equal(err.retryable, false);
        return true;
      });
      assert.deepEqual(await readdir(dir), [], 'no partial dump written');
      await assert.rejects(importKeys(conn(EC11), dir, { kind: 'user' }), /backup has no key_table_dump\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

void test('PostgreSQL timestamp text to ISO 8601', () => {
  assert.equal(pgTimestampToIso('2016-03-30 18:12:26'), '2016-03-30T18:12:26Z');
  assert.equal(pgTimestampToIso('2016-03-30 18:12:26.5+00'), '2016-03-30T18:12:26.5Z');
  assert.equal(pgTimestampToIso('2016-03-30 18:12:26+05:30'), '2016-03-30T18:12:26+05:30');
  assert.equal(pgTimestampToIso('2016-03-30 18:12:26-08'), '2016-03-30T18:12:26-08:00');
  assert.equal(pgTimestampToIso('infinity'), 'infinity');
  assert.equal(pgTimestampToIso('-infinity'), '-infinity');
  assert.equal(pgTimestampToIso('0044-03-15 00:00:00 BC'), '0044-03-15 00:00:00 BC');
});

void test('error text: password scrubbed, SASL without password explained, row errors name no values', () => {
  const target = 'db.example:5432/opscode_chef';
  const scrubbed = toSqlError(
    new Error('server said: bad password S3cr3t-pw for user'),
    target,
    'opscode_chef',
    'S3cr3t-pw',
  );
  assert.equal(scrubbed.message, 'PostgreSQL db.example:5432/opscode_chef: server said: bad password *** for user');
  const sasl = toSqlError(
    new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'),
    target,
    'opscode_chef',
  );
  assert.match(sasl.message, /requires a password for user "opscode_chef" and none was given$/);
  const authFailed = toSqlError(Object.assign(new Error('x'), { code: '28P01' }), target, 'opscode_chef', 'pw');
  assert.equal(authFailed.message, `PostgreSQL ${target}: password authentication failed for user "opscode_chef"`);
  assert.equal(authFailed.retryable, false);
  const check = Object.assign(new Error('new row for relation "users" violates check constraint'), {
    code: '23514',
    constraint: 'password_hash_deps',
    detail: 'Failing row contains (secret-hash, ...)',
  });
  assert.equal(describeRowError(check), 'check constraint password_hash_deps violated');
  assert.doesNotMatch(toSqlError(check, target, 'u').message, /secret/);
});
