import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { ChefClient } from '../activities/chef-api/client';
import { startMigration } from '../client/commands/migration';
import { freePort } from '../client/demo/free-port';
import { startDevServer, type DevServer } from '../client/dev-server';
import { planFrom } from '../client/plan-schema';
import type { TemporalSettings } from '../worker/settings';
import { abortSignal } from '../workflows/messages';
import type { MigrationState, Progress } from '../workflows/types';
import { startChefDouble, type ChefDouble } from './chef-double';
import { spawnWorker, until, type WorkerProcess } from './fixtures/reliability/processes';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';
import { waitForProgress } from './fixtures/temporal-env';

/**
 * The Temporal dev server (SQLite persistence) stopped in the middle of the full backup and started again on the
 * same port with the same database file: the migration carries on in the same run and reaches the incremental
 * loop with a clean verification.
 */
const NODES = 300;
const WIDTH = 2;
/**
 * Per node read: the full backup takes 5-15 s (the adaptive limiter may narrow the width to 1), which leaves room
 * for the server's stop and start (2-5 s) while it runs.
 */
const LATENCY_MS = 40;
const NODE_GET = /^GET \/organizations\/acme\/nodes\/[^/]+$/;

describe('the Temporal server stopped and restarted (same SQLite file, same port) during the full backup', () => {
  let source: ChefDouble;
  /** Every node of the source: the seeded ones and those of the demo data. */
  let sourceNodes: number;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    source = await startChefDouble();
    const pivotal = new ChefClient({ url: source.url, userId: 'pivotal', keyPath: source.pivotalKeyPath });
    await seedUsers(pivotal);
    await seedOrg(pivotal, 'acme', { nodes: NODES });
    sourceNodes = Object.keys((await pivotal.get<Record<string, string>>('/organizations/acme/nodes')).body).length;
    assert.ok(sourceNodes >= NODES);
    await pivotal.close();
    // Only node reads are slow, so the full backup takes a few seconds and the rest stays quick.
    source.faults = { ...source.faults, latencyMs: LATENCY_MS, match: NODE_GET };
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await source?.stop();
  });

  for (const how of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${how}: the same run resumes, reaches the incremental loop with zero differences, and aborts`, async () => {
      const t0 = Date.now();
      const dir = await mkdtemp(join(tmpdir(), `cm-temporal-restart-${how}-`));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const dest = await startChefDouble();
      cleanups.push(() => dest.stop());
      source.log.length = 0;
      const nodeGets = () => source.log.filter((r) => NODE_GET.test(`${r.method} ${r.path}`)).length;

      const port = await freePort();
      const dbFile = join(dir, 'temporal.sqlite');
      let server: DevServer = await startDevServer({ port, dbFile, headless: true });
      cleanups.push(() => server.stop());
      const address = `127.0.0.1:${port}`;
      assert.equal(server.address, address);
      const connection = await Connection.connect({ address });
      cleanups.push(() => connection.close());
      const client = new Client({ connection, namespace: 'default' });
      const queues = { control: `restart-${how}-control`, dataPlane: `restart-${how}-data` };
      const settings: TemporalSettings = {
        address,
        namespace: 'default',
        controlQueue: queues.control,
        dataPlaneQueue: queues.dataPlane,
        uiUrl: 'http://127.0.0.1:0',
      };

      const workers: WorkerProcess[] = [];
      const newWorker = () => {
        const w = spawnWorker({ address, controlQueue: queues.control, dataPlaneQueue: queues.dataPlane });
        workers.push(w);
        cleanups.push(() => w.stop(2000));
        return w;
      };
      newWorker();

      const plan = planFrom(
        {
          id: `temporal-restart-${how.toLowerCase()}`,
          source: { url: source.url, webuiKey: source.webuiKeyPath },
          destination: { url: dest.url, webuiKey: dest.webuiKeyPath },
          backupDir: dir,
          concurrency: { backup: WIDTH, restore: 10 },
          incremental: { intervalMinutes: 600 },
          tidy: { requireApproval: false },
          cutover: { chefServerUrl: 'https://chef-ha.example.com/organizations/{org}' },
          heartbeatTimeoutSeconds: 5,
          retry: { maximumAttempts: 5, initialIntervalMs: 50, backoffCoefficient: 2, maximumIntervalMs: 500 },
        },
        'test plan',
        queues,
      );
      const id = await startMigration(client, settings, plan);
      const { runId } = await client.workflow.getHandle(id).describe();

      // Stop the server in the middle of the full backup.
      await until('the full backup to be under way', () => nodeGets() >= 40, 120_000);
      const before: Progress = await waitForProgress(client, id, () => true);
      assert.equal(before.phase, 'full-backup');
      const stoppedAt = Date.now();
      const readAtStop = nodeGets();
      if (how === 'SIGTERM') await server.stop();
      else await server.kill();
      await sleep(1000); // down for a while: heartbeats, polls and completions fail meanwhile
      const readWhileDown = nodeGets() - readAtStop;

      server = await startDevServer({ port, dbFile, headless: true });
      const downMs = Date.now() - stoppedAt;
      assert.equal(server.address, address, 'the same port');
      const readAtRestart = nodeGets();
      assert.ok(readAtStop < sourceNodes, `stopped mid-backup (${readAtStop} of ${sourceNodes} nodes read)`);
      assert.ok(
        readAtRestart < sourceNodes,
        `the backup activity outlived the outage (${readAtRestart} of ${sourceNodes} nodes read at the restart)`,
      );

      // The worker keeps running and reconnects by itself; one that gave up is replaced, as an operator would.
      let workerRestarts = 0;
      const p = await waitForProgress(
        client,
        id,
        (x) => {
          if (!workers.some((w) => w.running())) {
            workerRestarts++;
            newWorker();
          }
          return x.phase === 'incremental-loop';
        },
        180_000,
      );
      assert.equal(workerRestarts, 0, `the worker reconnected by itself; it exited with:\n${workers[0]?.output()}`);
      assert.equal(p.lastVerify?.differences, 0, JSON.stringify(p.lastVerify));
      assert.ok(
        (p.lastVerify?.compared ?? 0) > sourceNodes,
        `verify compared every object (${p.lastVerify?.compared})`,
      );
      assert.equal(p.failures, 0, JSON.stringify(p.steps));
      assert.deepEqual(Object.keys(p.orgs), ['acme']);
      const described = await client.workflow.getHandle(id).describe();
      assert.equal(described.runId, runId, 'the same run carried on: its history survived in the SQLite file');

      const nodesRead = new Set(source.log.filter((r) => NODE_GET.test(`${r.method} ${r.path}`)).map((r) => r.path));
      assert.equal(nodesRead.size, sourceNodes, 'every node was read');
      const destNodes = new ChefClient({ url: dest.url, userId: 'pivotal', keyPath: dest.pivotalKeyPath });
      const listed = await destNodes.get<Record<string, string>>('/organizations/acme/nodes');
      await destNodes.close();
      assert.equal(Object.keys(listed.body).length, sourceNodes, 'every node is on the destination');

      const handle = client.workflow.getHandle(id);
      await handle.signal(abortSignal, 'restart test done');
      const final: MigrationState = await handle.result();
      assert.equal(final.phase, 'aborted');
      assert.equal(final.error, 'restart test done');

      // How the outage looked from the workflow: the full backup's attempts (1 = it rode out the outage).
      const history = await handle.fetchHistory();
      const backupScheduled = history.events
        ?.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fullBackup')
        .map((e) => Number(e.eventId));
      const backupAttempts = history.events
        ?.filter((e) => backupScheduled?.includes(Number(e.activityTaskStartedEventAttributes?.scheduledEventId)))
        .map((e) => e.activityTaskStartedEventAttributes?.attempt);
      assert.equal(backupScheduled?.length, 1, 'one full backup step');

      const seconds = (Date.now() - t0) / 1000;
      console.log(
        `[temporal restart ${how}] ${seconds.toFixed(1)} s in all; server down ${(downMs / 1000).toFixed(1)} s ` +
          `after ${readAtStop}/${sourceNodes} node reads (${readWhileDown} more while down, ${readAtRestart} at restart); ` +
          `worker restarts needed: ${workerRestarts}; node reads in all: ${nodeGets()}; ` +
          `fullBackup attempt(s) started: ${JSON.stringify(backupAttempts)}`,
      );
      for (const w of workers) await w.stop();
      await server.stop();
    });
  }
});
