import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { ChefClient } from '../activities/chef-api/client';
import type { LedgerKey } from '../activities/ledger/ledger';
import { PgLedger } from '../activities/ledger/pg-ledger';
import { backup } from '../activities/operations/backup';
import type { OperationResult, ServerOptions } from '../activities/operations/options';
import { restore } from '../activities/operations/restore';
import { bigNode, seedCommon } from '../client/demo/demo-data';
import { startGoiardi, type GoiardiServer } from '../client/demo/goiardi';

/** The ledger in the real PostgreSQL: one fresh database for this file, dropped at the end. */

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const DB = `cm_ledger_${randomBytes(4).toString('hex')}`;
const LEDGER_URL = `postgres://postgres@127.0.0.1:5432/${DB}`;
const OPERATOR_QUERY = 'SELECT org, kind, state, count(*) FROM chef_migrate_ledger GROUP BY 1,2,3';
const FAST_RETRY = { maximumAttempts: 5, initialIntervalMs: 20, backoffCoefficient: 2, maximumIntervalMs: 200 };

async function withClient<T>(database: string, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ ...PG, database });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

const sql = <T extends object>(text: string, values: unknown[] = []) =>
  withClient(DB, async (c) => (await c.query<T>(text, values)).rows);

/** Ledgers opened by a test, closed at the end even when an assertion fails first. */
const open: PgLedger[] = [];
async function connect(): Promise<PgLedger> {
  const l = await PgLedger.connect(LEDGER_URL);
  open.push(l);
  return l;
}

function key(org: string, kind: string, destination = 'https://chef-ha.example.com'): LedgerKey {
  return { destination, org, kind };
}

const written = (r: OperationResult) =>
  Object.fromEntries(
    Object.entries(r.counts)
      .map(([k, c]) => [k, c.written ?? 0] as const)
      .filter(([, n]) => n),
  );

before(async () => {
  await withClient('postgres', (c) => c.query(`CREATE DATABASE ${DB}`));
});

after(async () => {
  await Promise.allSettled(open.map((l) => l.close()));
  await withClient('postgres', async (c) => {
    await c.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [DB],
    );
    await c.query(`DROP DATABASE IF EXISTS ${DB}`);
  });
});

describe('PgLedger in PostgreSQL', () => {
  it('concurrent connects on a fresh database all succeed (schema creation is serialised)', async () => {
    const tables = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'chef_migrate_ledger'",
    );
    assert.equal(tables[0]?.n, 0, 'the database is fresh');
    const ledgers = await Promise.all(Array.from({ length: 6 }, () => connect()));
    assert.equal(ledgers.length, 6);
    for (const l of ledgers) assert.equal((await l.load(key('x', 'nodes'))).size, 0);
    // No advisory lock is left behind on any pooled connection.
    const locks = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 727170",
    );
    assert.equal(locks[0]?.n, 0);
  });

  it('written + flush is what load returns, and another worker sees it', async () => {
    const one = await connect();
    const k = key('acme', 'nodes');
    void one.written(k, 'web-1', 'd-web-1');
    void one.written(k, 'web-2', 'd-web-2');
    void one.written(key('acme', 'roles'), 'web', 'd-role');
    void one.written(key('acme', 'nodes', 'https://other.example.com'), 'web-1', 'd-other');
    // Nothing is durable before a flush (or the batch timer).
    assert.equal((await one.load(k)).size, 0);
    await one.flush();
    assert.deepEqual(
      await one.load(k),
      new Map([
        ['web-1', 'd-web-1'],
        ['web-2', 'd-web-2'],
      ]),
    );
    const two = await connect();
    assert.deepEqual([...(await two.load(k))].sort(), [
      ['web-1', 'd-web-1'],
      ['web-2', 'd-web-2'],
    ]);
    assert.deepEqual([...(await two.load(key('acme', 'roles')))], [['web', 'd-role']]);
    assert.deepEqual([...(await two.load(key('acme', 'nodes', 'https://other.example.com')))], [['web-1', 'd-other']]);

    // A newer digest replaces the old one; the last of two in one batch wins.
    void two.written(k, 'web-1', 'd-web-1-v2');
    void two.written(k, 'web-1', 'd-web-1-v3');
    await two.flush();
    assert.equal((await one.load(k)).get('web-1'), 'd-web-1-v3');
  });

  it('failed increments attempts and leaves load; written resets; deleted leaves load', async () => {
    const l = await connect();
    const k = key('beta', 'nodes');
    const attempts = async (name: string) =>
      (
        await sql<{ state: string; attempts: number; last_error: string | null; digest: string | null }>(
          'SELECT state, attempts, last_error, digest FROM chef_migrate_ledger WHERE org = $1 AND kind = $2 AND name = $3',
          [k.org, k.kind, name],
        )
      )[0];

    void l.failed(k, 'flaky', 'POST /nodes answered 500');
    await l.flush();
    assert.deepEqual(await attempts('flaky'), {
      state: 'failed',
      attempts: 1,
      last_error: 'POST /nodes answered 500',
      digest: null,
    });
    void l.failed(k, 'flaky', 'POST /nodes answered 503');
    await l.flush();
    void l.failed(k, 'flaky', 'POST /nodes answered 502');
    await l.flush();
    assert.equal((await attempts('flaky'))?.attempts, 3);
    assert.equal((await attempts('flaky'))?.last_error, 'POST /nodes answered 502');
    assert.equal((await l.load(k)).has('flaky'), false, 'a failed object is not known as written');

    void l.written(k, 'flaky', 'd-flaky');
    await l.flush();
    assert.deepEqual(await attempts('flaky'), { state: 'written', attempts: 1, last_error: null, digest: 'd-flaky' });
    assert.equal((await l.load(k)).get('flaky'), 'd-flaky');

    // A written object that then fails is no longer trusted as written.
    void l.written(k, 'was-ok', 'd-ok');
    await l.flush();
    void l.failed(k, 'was-ok', 'PUT answered 500');
    await l.flush();
    assert.equal((await l.load(k)).has('was-ok'), false);
    assert.equal((await attempts('was-ok'))?.attempts, 2);

    void l.written(k, 'gone', 'd-gone');
    await l.flush();
    assert.equal((await l.load(k)).get('gone'), 'd-gone');
    void l.deleted(k, 'gone');
    await l.flush();
    assert.equal((await l.load(k)).has('gone'), false);
    assert.equal((await attempts('gone'))?.state, 'deleted');

    // A long error is cut, not rejected.
    void l.failed(k, 'long', 'x'.repeat(10_000));
    await l.flush();
    assert.equal((await attempts('long'))?.last_error?.length, 2000);
  });

  it('batches: many writes, the timer flush and close() all reach the table', async () => {
    const l = await connect();
    const other = await connect();
    const k = key('gamma', 'nodes');
    for (let i = 0; i < 650; i++) void l.written(k, `node-${i}`, `d-${i}`);
    await l.flush();
    assert.equal((await other.load(k)).size, 650);

    // Without a flush, the batch timer makes a lone write durable soon after.
    void l.written(k, 'late', 'd-late');
    const deadline = Date.now() + 5000;
    while (!(await other.load(k)).has('late') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await other.load(k)).get('late'), 'd-late');

    const closing = await PgLedger.connect(LEDGER_URL);
    void closing.written(k, 'at-close', 'd-close');
    await closing.close();
    assert.equal((await other.load(k)).get('at-close'), 'd-close');
  });

  it('survives PostgreSQL dropping its idle connections, and the next flush reconnects', async () => {
    const victim = await PgLedger.connect(`${LEDGER_URL}?application_name=cm_ledger_victim`);
    open.push(victim);
    const k = key('delta', 'nodes');
    void victim.written(k, 'before', 'd-before');
    await victim.flush();
    assert.equal((await victim.load(k)).get('before'), 'd-before');
    // As a restart or an idle timeout would: the pool's idle connections are closed under it.
    const killed = await sql<{ ok: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND application_name = 'cm_ledger_victim'",
      [DB],
    );
    assert.ok(killed.length >= 1, 'the ledger had an idle connection to drop');
    // An unhandled pool 'error' event would end this process here.
    await new Promise((r) => setTimeout(r, 300));
    void victim.written(k, 'after', 'd-after');
    await victim.flush();
    assert.deepEqual([...(await victim.load(k))].sort(), [
      ['after', 'd-after'],
      ['before', 'd-before'],
    ]);
  });

  it('connect to a database that does not exist rejects', async () => {
    await assert.rejects(PgLedger.connect(`postgres://postgres@127.0.0.1:5432/${DB}_missing`), /does not exist/);
  });

  it("the operator's query counts objects by org, kind and state", async () => {
    const l = await connect();
    const org = 'ops-report';
    for (let i = 0; i < 7; i++) void l.written(key(org, 'nodes'), `n${i}`, `d${i}`);
    for (let i = 0; i < 3; i++) void l.written(key(org, 'roles'), `r${i}`, `d${i}`);
    void l.failed(key(org, 'nodes'), 'bad-1', 'answered 400');
    void l.failed(key(org, 'nodes'), 'bad-2', 'answered 400');
    void l.deleted(key(org, 'nodes'), 'n6');
    void l.written(key(org, 'roles', 'https://second.example.com'), 'r0', 'd0');
    await l.flush();

    const rows = await sql<{ org: string; kind: string; state: string; count: string }>(OPERATOR_QUERY);
    const mine = rows
      .filter((r) => r.org === org)
      .map((r) => [r.kind, r.state, Number(r.count)])
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])) || String(x[1]).localeCompare(String(y[1])));
    assert.deepEqual(mine, [
      ['nodes', 'deleted', 1],
      ['nodes', 'failed', 2],
      ['nodes', 'written', 6],
      ['roles', 'written', 4],
    ]);
    // The same figures per destination, from the ledger's own helper.
    assert.deepEqual(
      (await l.counts('https://chef-ha.example.com')).filter((r) => r.org === org),
      [
        { org, kind: 'nodes', state: 'deleted', count: 1 },
        { org, kind: 'nodes', state: 'failed', count: 2 },
        { org, kind: 'nodes', state: 'written', count: 6 },
        { org, kind: 'roles', state: 'written', count: 3 },
      ],
    );
  });
});

describe('PgLedger with restore() against goiardi', () => {
  let a: GoiardiServer;
  let b: GoiardiServer;
  let dir: string;
  let src: ServerOptions;
  let dst: ServerOptions;
  let srcClient: ChefClient;
  let seeded: { nodes: string[] };
  const ORG = 'demo';
  const common = () => ({ dir, concurrency: 10, singleTenantOrg: ORG, retry: FAST_RETRY });

  before(async () => {
    [a, b] = await Promise.all([startGoiardi(), startGoiardi()]);
    dir = await mkdtemp(join(tmpdir(), 'cm-pg-ledger-'));
    src = { url: a.url, user: 'admin', keyPath: a.adminKeyPath };
    dst = { url: b.url, user: 'admin', keyPath: b.adminKeyPath };
    srcClient = new ChefClient({ url: a.url, userId: 'admin', keyPath: a.adminKeyPath });
    await srcClient.request('POST', '/users', { body: { name: 'alice', password: 'pw-alice-123', admin: false } });
    seeded = await seedCommon(srcClient, '', { nodes: 5 });
    const r = await backup({ ...common(), source: src });
    assert.equal(r.failed, 0, JSON.stringify(r));
  });

  after(async () => {
    await srcClient?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the first restore writes everything and records it in the ledger', async () => {
    const r = await restore({ ...common(), destination: dst, ledgerUrl: LEDGER_URL });
    assert.equal(r.failed, 0, JSON.stringify(r));
    assert.equal(r.counts.nodes?.written, seeded.nodes.length);
    assert.ok((r.counts.roles?.written ?? 0) >= 2, JSON.stringify(r.counts));
    assert.ok((r.counts.cookbooks?.written ?? 0) >= 3, JSON.stringify(r.counts));

    const destination = `${b.url}#${ORG}`;
    const rows = await sql<{ kind: string; n: number }>(
      "SELECT kind, count(*)::int AS n FROM chef_migrate_ledger WHERE destination = $1 AND state = 'written' GROUP BY 1",
      [destination],
    );
    const inLedger = Object.fromEntries(rows.map((row) => [row.kind, row.n]));
    // Data bags are created when the destination lacks them (checked on every pass), not tracked in the ledger.
    const { data_bags: bags, ...tracked } = written(r);
    assert.equal(bags, 2);
    assert.deepEqual(inLedger, tracked, 'every object written is in the ledger, nothing else');
  });

  it('a second restore with a new ledger connection writes nothing', async () => {
    const r = await restore({ ...common(), destination: dst, ledgerUrl: LEDGER_URL });
    assert.equal(r.failed, 0, JSON.stringify(r));
    assert.deepEqual(written(r), {}, JSON.stringify(r.counts));
    for (const [kind, c] of Object.entries(r.counts)) assert.equal(c.written, 0, kind);
    assert.equal(r.counts.nodes?.unchanged, seeded.nodes.length);
  });

  it('the CLI with --ledger, a new process, also writes nothing', async () => {
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          'bin/chef-migrate',
          'restore',
          dir,
          '--server-url',
          b.url,
          '--user',
          'admin',
          '--key',
          b.adminKeyPath,
          '--single-tenant-org',
          ORG,
          '--ledger',
          LEDGER_URL,
          '--json',
        ],
        { cwd: join(__dirname, '..'), timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      ),
    );
    assert.equal(out.code, 0, out.stderr);
    const r = JSON.parse(out.stdout) as OperationResult;
    assert.deepEqual(written(r), {}, out.stdout);
    assert.equal(r.counts.nodes?.unchanged, seeded.nodes.length);
  });

  it('after one node changes on the source, the next restore writes exactly that node', async () => {
    await srcClient.request('PUT', '/nodes/web-1', { body: { ...bigNode('web-1', 0), normal: { changed: true } } });
    const b2 = await backup({ ...common(), source: src });
    assert.equal(b2.failed, 0, JSON.stringify(b2));
    const r = await restore({ ...common(), destination: dst, ledgerUrl: LEDGER_URL });
    assert.equal(r.failed, 0, JSON.stringify(r));
    assert.deepEqual(written(r), { nodes: 1 }, JSON.stringify(r.counts));
    assert.equal(r.counts.nodes?.unchanged, seeded.nodes.length - 1);
    const node = new ChefClient({ url: b.url, userId: 'admin', keyPath: b.adminKeyPath });
    try {
      const got = await node.get<{ normal: { changed?: boolean } }>('/nodes/web-1');
      assert.equal(got.body.normal.changed, true);
    } finally {
      await node.close();
    }
  });
});
