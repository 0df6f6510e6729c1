import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { PgLedger } from '../activities/ledger/pg-ledger';
import { backup } from '../activities/operations/backup';
import { restore } from '../activities/operations/restore';
import { verify } from '../activities/operations/verify';
import { startChefDouble, type ChefDouble } from './chef-double';
import { createTestDatabase } from './fixtures/pg-database';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';

const RETRY = { maximumAttempts: 3, initialIntervalMs: 5, backoffCoefficient: 2, maximumIntervalMs: 20 };
// Sandbox ids are random per upload: compare sandbox commits by count.
const writes = (d: ChefDouble) =>
  d.log
    .filter((r) => r.method !== 'GET' && r.status < 300)
    .map((r) => `${r.method} ${r.path.replace(/\/sandboxes\/\w+$/, '/sandboxes/*')}`);

describe('two workers sharing a ledger', () => {
  let a: ChefDouble;
  let b: ChefDouble;
  let c: ChefDouble;
  let dir: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;

  before(async () => {
    [a, b, c, db] = await Promise.all([
      startChefDouble(),
      startChefDouble(),
      startChefDouble(),
      createTestDatabase('cm_claims'),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'cm-claims-'));
    const pivotal = new ChefClient({ url: a.url, userId: 'pivotal', keyPath: a.pivotalKeyPath });
    await seedUsers(pivotal);
    await seedOrg(pivotal, 'acme', { nodes: 60 });
    await pivotal.close();
    await backup({
      dir,
      concurrency: 10,
      retry: RETRY,
      source: { url: a.url, user: 'pivotal', keyPath: a.webuiKeyPath, webui: true },
    });
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('never write the same object twice, even when they restore the same backup at the same time', async () => {
    const to = (d: ChefDouble) => ({ url: d.url, user: 'pivotal', keyPath: d.webuiKeyPath, webui: true });
    // The reference: one restore alone into an empty server.
    const alone = await restore({ dir, concurrency: 10, retry: RETRY, destination: to(c), ledgerUrl: db.url });
    assert.equal(alone.failed, 0);
    const [one, two] = await Promise.all([PgLedger.connect(db.url), PgLedger.connect(db.url)]);
    try {
      const [r1, r2] = await Promise.all([
        restore({ dir, concurrency: 10, retry: RETRY, destination: to(b) }, { ledger: one }),
        restore({ dir, concurrency: 10, retry: RETRY, destination: to(b) }, { ledger: two }),
      ]);
      assert.equal(r1.failed + r2.failed, 0);
    } finally {
      await one.close();
      await two.close();
    }
    const extra = [...writes(b)];
    for (const w of writes(c)) if (extra.includes(w)) extra.splice(extra.indexOf(w), 1);
    assert.deepEqual(extra, [], 'the two workers together wrote exactly what one restore writes');
    const report = await verify({ dir, destination: to(b), concurrency: 10, retry: RETRY });
    assert.deepEqual(report.differences, []);
  });
});
