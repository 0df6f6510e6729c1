import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { MemoryLedger } from '../activities/ledger/ledger';
import { backup } from '../activities/operations/backup';
import type { OperationResult, ServerOptions } from '../activities/operations/options';
import { restore } from '../activities/operations/restore';
import { verify } from '../activities/operations/verify';
import { startChefDouble, type ChefDouble, type FaultConfig } from './chef-double';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';

/**
 * The network between the migrator and a Chef server misbehaving: connections reset without an answer, and
 * answers slower than the request timeout. A run completes with every object moved, the retries are visible in
 * its result, and the destination equals the source object for object.
 */

const FAST_RETRY = { maximumAttempts: 5, initialIntervalMs: 5, backoffCoefficient: 2, maximumIntervalMs: 50 };
const NO_FAULTS: FaultConfig = { errorRate: 0, errorStatus: 500, outage: false, latencyMs: 0, resetRate: 0 };
/**
 * The double never faults one request (its retries share method, path and body) more often in a row than this,
 * so with 5 attempts every object gets through: the runs below must succeed every time, not almost every time.
 */
const MAX_FAULTS_IN_A_ROW = FAST_RETRY.maximumAttempts - 2;
/** undici checks its headers timeout on a ~0.5 s tick: an answer this much later than the timeout always misses it. */
const REQUEST_TIMEOUT_MS = 200;
const SLOW_MS = REQUEST_TIMEOUT_MS + 1_800;

async function failures(r: OperationResult): Promise<string> {
  return `${JSON.stringify(r)}\n${r.failureReport ? await readFile(r.failureReport, 'utf8') : ''}`;
}

describe('reliability: connection resets and answers slower than the request timeout', () => {
  let src: ChefDouble;
  const dst: ChefDouble[] = [];
  let work: string;
  let source: ServerOptions;

  const target = (d: ChefDouble): ServerOptions => ({
    url: d.url,
    user: 'pivotal',
    keyPath: d.webuiKeyPath,
    webui: true,
  });
  const common = (dir: string) => ({ dir, concurrency: 10, retry: FAST_RETRY, onlyOrgs: ['acme'] });
  const freshDestination = async () => {
    const d = await startChefDouble();
    dst.push(d);
    return d;
  };
  /** Source against destination, without faults and with the default request timeout. */
  const verifyAgainstSource = async (d: ChefDouble) => {
    src.faults = { ...NO_FAULTS };
    d.faults = { ...NO_FAULTS };
    return verify({ source, destination: target(d), concurrency: 10, onlyOrgs: ['acme'], retry: FAST_RETRY });
  };

  before(async () => {
    src = await startChefDouble();
    work = await mkdtemp(join(tmpdir(), 'cm-rel-net-'));
    source = target(src);
    const pivotal = new ChefClient({ url: src.url, userId: 'pivotal', keyPath: src.pivotalKeyPath });
    try {
      await seedUsers(pivotal);
      await seedOrg(pivotal, 'acme', { nodes: 12 });
    } finally {
      await pivotal.close();
    }
  });

  after(async () => {
    await Promise.all([src?.stop(), ...dst.map((d) => d.stop())]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('resets on 15 % of the source requests during a backup and of the destination requests during a restore', async () => {
    const dir = join(work, 'resets');
    const resets: FaultConfig = { ...NO_FAULTS, resetRate: 0.15, maxFaultsInARow: MAX_FAULTS_IN_A_ROW };

    src.faults = { ...resets };
    const b = await backup({ ...common(dir), source });
    src.faults = { ...NO_FAULTS };
    assert.equal(b.failed, 0, await failures(b));
    assert.ok(b.retries > 0, `the backup retried (${b.requests} requests, ${b.retries} retries)`);
    assert.ok((b.counts.nodes?.written ?? 0) >= 16, JSON.stringify(b.counts.nodes));

    const d = await freshDestination();
    d.faults = { ...resets };
    const r = await restore({ ...common(dir), destination: target(d) }, { ledger: new MemoryLedger() });
    d.faults = { ...NO_FAULTS };
    assert.equal(r.failed, 0, await failures(r));
    assert.ok(r.retries > 0, `the restore retried (${r.requests} requests, ${r.retries} retries)`);

    const report = await verifyAgainstSource(d);
    assert.deepEqual(report.differences, []);
    assert.ok(report.rows.some((row) => row.kind === 'nodes' && row.compared >= 16));
  });

  it('answers slower than the request timeout on a share of the requests: timed out, retried, complete', async () => {
    const dir = join(work, 'slow');
    const slow: FaultConfig = {
      ...NO_FAULTS,
      latencyMs: SLOW_MS,
      slowRate: 0.08,
      maxFaultsInARow: MAX_FAULTS_IN_A_ROW,
    };
    const timeouts = { requestTimeoutMs: REQUEST_TIMEOUT_MS };

    src.faults = { ...slow };
    const b = await backup({ ...common(dir), ...timeouts, source });
    src.faults = { ...NO_FAULTS };
    assert.equal(b.failed, 0, await failures(b));
    assert.ok(b.retries > 0, `the backup retried timed-out requests (${b.requests} requests, ${b.retries} retries)`);

    const d = await freshDestination();
    d.faults = { ...slow };
    const r = await restore({ ...common(dir), ...timeouts, destination: target(d) }, { ledger: new MemoryLedger() });
    d.faults = { ...NO_FAULTS };
    assert.equal(r.failed, 0, await failures(r));
    assert.ok(r.retries > 0, `the restore retried timed-out requests (${r.requests} requests, ${r.retries} retries)`);

    assert.deepEqual((await verifyAgainstSource(d)).differences, []);
  });
});
