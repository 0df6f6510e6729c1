import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { startMigration } from '../client/commands/migration';
import { planFrom } from '../client/plan-schema';
import { abortSignal } from '../workflows/messages';
import type { MigrationState } from '../workflows/types';
import { startChefDouble, type ChefDouble, type RequestRecord } from './chef-double';
import { createTestDatabase } from './fixtures/pg-database';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';
import { startMigrationEnv, waitForProgress, type MigrationEnv } from './fixtures/temporal-env';

const NODES = 300;
const WIDTH = 4;
const NO_FAULTS = { errorRate: 0, errorStatus: 500, outage: false, latencyMs: 0, resetRate: 0 };

/** A worker as operators run it (`npm run worker`), in its own process so it can be killed. */
function spawnWorker(env: MigrationEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: join(__dirname, '..'),
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.server.address,
      CHEF_MIGRATE_TASK_QUEUE: env.settings.controlQueue,
      CHEF_MIGRATE_DATA_TASK_QUEUE: env.settings.dataPlaneQueue,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function until(what: string, ready: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Objects of a kind moved more than once: names with more than one successful request. */
function movedTwice(log: RequestRecord[], pattern: RegExp): string[] {
  const counts = new Map<string, number>();
  for (const r of log) {
    const m = pattern.exec(`${r.method} ${r.path}`);
    if (m && r.status < 300) counts.set(m[1] ?? '', (counts.get(m[1] ?? '') ?? 0) + 1);
  }
  return [...counts].filter(([, n]) => n > 1).map(([name]) => name);
}

describe('a worker killed with SIGKILL during the full backup and again during the full restore', () => {
  let env: MigrationEnv;
  let a: ChefDouble;
  let b: ChefDouble;
  let dir: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const workers: ChildProcess[] = [];

  before(async () => {
    [env, a, b, db] = await Promise.all([
      startMigrationEnv('crash'),
      startChefDouble(),
      startChefDouble(),
      createTestDatabase('cm_crash'),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'cm-crash-'));
    const pivotal = new ChefClient({ url: a.url, userId: 'pivotal', keyPath: a.pivotalKeyPath });
    await seedUsers(pivotal);
    await seedOrg(pivotal, 'acme', { nodes: NODES });
    await pivotal.close();
  });

  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await env?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a new worker finishes each step, moving no completed object again, and verify finds zero differences', async () => {
    const plan = planFrom(
      {
        id: 'crash',
        source: { url: a.url, webuiKey: a.webuiKeyPath },
        destination: { url: b.url, webuiKey: b.webuiKeyPath },
        backupDir: dir,
        ledgerUrl: db.url,
        concurrency: { backup: WIDTH, restore: WIDTH },
        incremental: { intervalMinutes: 600 },
        tidy: { requireApproval: false },
        cutover: { chefServerUrl: 'https://chef-ha.example.com/organizations/{org}' },
        heartbeatTimeoutSeconds: 3,
        retry: { maximumAttempts: 5, initialIntervalMs: 50, backoffCoefficient: 2, maximumIntervalMs: 500 },
      },
      'test plan',
      { control: env.settings.controlQueue, dataPlane: env.settings.dataPlaneQueue },
    );
    // Slow node reads on the source and node writes on the destination so each step is long enough to kill.
    a.faults = { ...NO_FAULTS, latencyMs: 20, match: /^GET \/organizations\/acme\/nodes\/./ };
    b.faults = { ...NO_FAULTS, latencyMs: 20, match: /^(POST|PUT) \/organizations\/acme\/nodes/ };
    const nodeGets = () =>
      a.log.filter((r) => /^\/organizations\/acme\/nodes\/./.test(r.path) && r.method === 'GET').length;
    const nodeWrites = () =>
      b.log.filter((r) => /^\/organizations\/acme\/nodes/.test(r.path) && r.method !== 'GET').length;

    workers.push(spawnWorker(env));
    const id = await startMigration(env.client, env.settings, plan);
    await until('the backup to be under way', () => nodeGets() >= 60);
    workers[0]?.kill('SIGKILL');
    const atKill = nodeGets();
    assert.ok(atKill < NODES, `killed mid-backup (${atKill} of ${NODES} nodes read)`);

    workers.push(spawnWorker(env));
    await until('the restore to be under way', () => nodeWrites() >= 60);
    workers[1]?.kill('SIGKILL');
    assert.ok(nodeWrites() < NODES, 'killed mid-restore');

    workers.push(spawnWorker(env));
    const p = await waitForProgress(env.client, id, (x) => x.phase === 'incremental-loop', 120_000);
    assert.equal(p.lastVerify?.differences, 0, JSON.stringify(p.lastVerify));
    assert.equal(p.failures, 0);

    const readTwice = movedTwice(a.log, /^GET \/organizations\/acme\/nodes\/(.+)$/);
    const writtenTwice = movedTwice(b.log, /^(?:POST|PUT) \/organizations\/acme\/nodes(?:\/(.+))?$/);
    assert.ok(
      readTwice.length <= WIDTH,
      `at most the ${WIDTH} reads in flight repeat; repeated: ${readTwice.join(', ')}`,
    );
    assert.ok(
      writtenTwice.length <= WIDTH,
      `at most the ${WIDTH} writes in flight repeat; repeated: ${writtenTwice.join(', ')}`,
    );
    const nodesRead = new Set(
      a.log
        .filter((r) => r.method === 'GET' && /^\/organizations\/acme\/nodes\/[^/]+$/.test(r.path))
        .map((r) => r.path),
    );
    assert.ok(nodesRead.size >= NODES, `every node was read (${nodesRead.size})`);

    await env.client.workflow.getHandle(id).signal(abortSignal, 'test done');
    const final: MigrationState = await env.client.workflow.getHandle(id).result();
    assert.equal(final.phase, 'aborted');
    assert.equal(final.error, 'test done');
  });
});
