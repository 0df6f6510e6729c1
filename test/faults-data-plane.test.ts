import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { ChefAuthError } from '../activities/errors';
import { MemoryLedger } from '../activities/ledger/ledger';
import { backup } from '../activities/operations/backup';
import type { ServerOptions } from '../activities/operations/options';
import { restore } from '../activities/operations/restore';
import { verify } from '../activities/operations/verify';
import type { FailureEntry } from '../activities/report/failure-report';
import { startChefDouble, type ChefDouble } from './chef-double';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';

const FAST_RETRY = { maximumAttempts: 5, initialIntervalMs: 5, backoffCoefficient: 2, maximumIntervalMs: 40 };
const NO_FAULTS = { errorRate: 0, errorStatus: 500, outage: false, latencyMs: 0, resetRate: 0 };

async function readReport(file: string | undefined): Promise<FailureEntry[]> {
  assert.ok(file, 'a failure report was written');
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as FailureEntry);
}

describe('data plane under faults (retry rule, per-object failure, never silent)', () => {
  let a: ChefDouble;
  let b: ChefDouble;
  let dir: string;
  let src: ServerOptions;
  let dst: ServerOptions;
  const common = () => ({ dir, concurrency: 10, retry: FAST_RETRY, onlyOrgs: ['acme'] });

  before(async () => {
    [a, b] = await Promise.all([startChefDouble(), startChefDouble()]);
    dir = await mkdtemp(join(tmpdir(), 'cm-faults-'));
    src = { url: a.url, user: 'pivotal', keyPath: a.webuiKeyPath, webui: true };
    dst = { url: b.url, user: 'pivotal', keyPath: b.pivotalKeyPath, signVersion: '1.1' };
    const pivotal = new ChefClient({ url: a.url, userId: 'pivotal', keyPath: a.pivotalKeyPath, signVersion: '1.0' });
    await seedUsers(pivotal);
    await seedOrg(pivotal, 'acme', { nodes: 20 });
    await pivotal.close();
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a source answering 5xx on 20 % of requests: retried, complete, retries counted', async () => {
    // At most 4 faults in a row for one request: with 5 attempts a run must not fail by pure chance.
    a.faults = { ...NO_FAULTS, errorRate: 0.2, maxFaultsInARow: 4 };
    const r = await backup({ ...common(), source: src });
    a.faults = { ...NO_FAULTS };
    assert.equal(r.failed, 0);
    assert.ok(r.retries > 0, 'retries are visible in the result');
    const errors = a.log.filter((e) => e.status === 500).length;
    assert.ok(errors >= r.retries, `${errors} injected 500s, ${r.retries} retries`);
    // The same on the destination side, then zero differences.
    const c = await startChefDouble();
    try {
      const into = { url: c.url, user: 'pivotal', keyPath: c.webuiKeyPath, webui: true };
      c.faults = { ...NO_FAULTS, errorRate: 0.2, maxFaultsInARow: 3 };
      const w = await restore({ ...common(), destination: into });
      c.faults = { ...NO_FAULTS };
      assert.equal(w.failed, 0);
      assert.ok(w.retries > 0);
      const report = await verify({
        source: src,
        destination: into,
        concurrency: 10,
        onlyOrgs: ['acme'],
        retry: FAST_RETRY,
      });
      assert.deepEqual(report.differences, []);
    } finally {
      await c.stop();
    }
  });

  it('an object whose GET fails past the retry budget is reported and the run goes on', async () => {
    a.faults = { ...NO_FAULTS, outage: true, match: /^GET \/organizations\/acme\/nodes\/web-1$/ };
    a.log.length = 0;
    // Every node read in full: web-1 is unchanged, so a partial search would not GET it.
    const r = await backup({ ...common(), source: src, readAllNodes: true });
    a.faults = { ...NO_FAULTS };
    assert.equal(r.failed, 1);
    assert.equal(a.log.filter((e) => e.path === '/organizations/acme/nodes/web-1').length, FAST_RETRY.maximumAttempts);
    const [entry] = await readReport(r.failureReport);
    assert.equal(entry?.method, 'GET');
    assert.equal(entry?.status, 500);
    assert.equal(entry?.attempts, 5);
    assert.equal(entry?.path, 'organizations/acme/nodes/web-1.json');
    assert.match(entry?.url ?? '', /\/organizations\/acme\/nodes\/web-1$/);
    assert.match(entry?.hint ?? '', /5xx/);
    assert.ok(
      (r.counts.nodes?.unchanged ?? 0) + (r.counts.nodes?.written ?? 0) >= 20,
      'the other nodes were still backed up',
    );
  });

  it('the destination rejecting one object: reported with the server message; verify lists exactly it', async () => {
    await backup({ ...common(), source: src });
    b.faults = {
      ...NO_FAULTS,
      reject: { match: /^POST \/organizations\/acme\/roles$/, status: 400, message: 'Field run_list invalid' },
    };
    const ledger = new MemoryLedger();
    const r = await restore({ ...common(), destination: dst }, { ledger });
    b.faults = { ...NO_FAULTS };
    const entries = await readReport(r.failureReport);
    assert.ok(entries.length >= 1);
    assert.ok(
      entries.every((e) => e.kind === 'roles' || e.kind === 'acls/roles'),
      JSON.stringify(entries),
    );
    const roleFailures = entries.filter((e) => e.kind === 'roles');
    assert.deepEqual(roleFailures.map((e) => e.name).sort(), ['db.primary', 'web']);
    assert.match(roleFailures[0]?.response ?? '', /Field run_list invalid/);
    const report = await verify({ dir, destination: dst, concurrency: 10, onlyOrgs: ['acme'], retry: FAST_RETRY });
    const names = report.differences.map((d) => `${d.problem} ${d.kind} ${d.name}`).sort();
    assert.deepEqual(names, [
      'missing acls/roles db.primary',
      'missing acls/roles web',
      'missing roles db.primary',
      'missing roles web',
    ]);
    // The next pass picks them up.
    const again = await restore({ ...common(), destination: dst }, { ledger });
    assert.equal(again.failed, 0);
    assert.deepEqual(
      (await verify({ dir, destination: dst, concurrency: 10, onlyOrgs: ['acme'], retry: FAST_RETRY })).differences,
      [],
    );
  });

  it('--dry-run writes nothing', async () => {
    const c = await mkdtemp(join(tmpdir(), 'cm-dry-'));
    const fresh = await startChefDouble();
    try {
      const r = await restore({
        ...common(),
        destination: { url: fresh.url, user: 'pivotal', keyPath: fresh.webuiKeyPath, webui: true },
        dryRun: true,
      });
      assert.ok((r.counts.nodes?.written ?? 0) > 0, 'the dry run counts what it would write');
      assert.deepEqual(
        fresh.log.filter((e) => e.method !== 'GET'),
        [],
      );
    } finally {
      await fresh.stop();
      await rm(c, { recursive: true, force: true });
    }
  });

  it('a partial search slower than reading every node does not hold the pass: the nodes are read, the search dropped', async () => {
    await backup({ ...common(), source: src }); // fingerprints recorded
    a.faults = { ...NO_FAULTS, latencyMs: 15_000, match: /^POST \/organizations\/acme\/search\/node$/ };
    a.log.length = 0;
    const started = Date.now();
    const r = await backup({ ...common(), source: src });
    a.faults = { ...NO_FAULTS };
    assert.ok(Date.now() - started < 12_000, `the pass waited ${Date.now() - started} ms for the search`);
    assert.equal(r.failed, 0);
    assert.match(
      r.notes?.join('\n') ?? '',
      /acme nodes: every node read in full: they were all read before the partial/,
    );
    const nodeGets = a.log.filter((e) => e.method === 'GET' && /^\/organizations\/acme\/nodes\/[^/]+$/.test(e.path));
    assert.equal(nodeGets.length, (r.counts.nodes?.unchanged ?? 0) + (r.counts.nodes?.written ?? 0));
    assert.ok(nodeGets.length >= 20);
  });

  it('a key the server does not know ends the run at once with one authentication error', async () => {
    const badKey = join(dir, 'not-the-key.pem');
    await writeFile(
      badKey,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
    );
    a.log.length = 0;
    await assert.rejects(
      backup({ ...common(), source: { url: a.url, user: 'alice', keyPath: badKey } }),
      (err: unknown) => {
        assert.ok(err instanceof ChefAuthError);
        assert.match(
          err.message,
          new RegExp(`${a.url.replace(/[.]/g, '\\.')}.*'alice'.*${badKey.replace(/[.]/g, '\\.')}`),
        );
        assert.doesNotMatch(err.message, /BEGIN/);
        return true;
      },
    );
    assert.equal(a.log.length, 1, 'no retries for a 401');
  });
});
