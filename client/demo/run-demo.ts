import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ChefClient } from '../../activities/chef-api/client';
import { createWorkers } from '../../worker/create-workers';
import type { TemporalSettings } from '../../worker/settings';
import { cutoverOrgUpdate, passNowSignal, progressQuery } from '../../workflows/messages';
import type { MigrationState, Progress } from '../../workflows/types';
import { startMigration } from '../commands/migration';
import { startDevServer } from '../dev-server';
import { planFrom } from '../plan-schema';
import { formatProgress } from '../progress-table';
import { connectClient, workflowUrl } from '../temporal-client';
import { simulateCheckins } from './checkins';
import { bigNode, seedCommon } from './demo-data';
import { startGoiardi } from './goiardi';

export interface DemoOptions {
  headless: boolean;
  /** Keep the servers and the UI up after the run, until Ctrl-C. */
  keep: boolean;
  nodes: number;
  say: (line: string) => void;
}

/**
 * The whole product on one machine: a Temporal dev server with its UI, two goiardi Chef servers (the old
 * one seeded with demo data), a worker, and a migration of org `demo` through two incremental passes and a
 * cutover, ending with the verification.
 */
export async function runDemo(o: DemoOptions): Promise<boolean> {
  const work = await mkdtemp(join(tmpdir(), 'chef-migrate-demo-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(work, { recursive: true, force: true })];
  try {
    o.say('starting the Temporal dev server, two goiardi Chef servers and the worker ...');
    const server = await startDevServer({ headless: o.headless, dbFile: join(work, 'temporal.db') });
    cleanups.unshift(() => server.stop());
    const [oldChef, newChef] = await Promise.all([startGoiardi(), startGoiardi()]);
    cleanups.unshift(
      () => oldChef.stop(),
      () => newChef.stop(),
    );
    const settings: TemporalSettings = {
      address: server.address,
      namespace: 'default',
      controlQueue: 'chef-migrate',
      dataPlaneQueue: 'chef-migrate-data@demo',
      uiUrl: server.uiUrl ?? '(headless: no UI)',
    };
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const native = await NativeConnection.connect({ address: server.address });
    const workers = await createWorkers(native, settings);
    const running = workers.run();
    cleanups.unshift(async () => {
      workers.shutdown();
      await running.catch(() => undefined);
      await native.close();
    });

    const src = new ChefClient({ url: oldChef.url, userId: 'admin', keyPath: oldChef.adminKeyPath });
    const dst = new ChefClient({ url: newChef.url, userId: 'admin', keyPath: newChef.adminKeyPath });
    cleanups.unshift(
      () => src.close(),
      () => dst.close(),
    );
    const seeded = await seedCommon(src, '', { nodes: o.nodes });
    o.say(`old Chef server ${oldChef.url}: ${seeded.nodes.length} nodes, roles, environments, data bags, cookbooks`);
    o.say(`new Chef server ${newChef.url}: empty`);

    const plan = planFrom(
      {
        id: 'demo',
        source: { url: oldChef.url, user: 'admin', key: oldChef.adminKeyPath, singleTenantOrg: 'demo' },
        destination: { url: newChef.url, user: 'admin', key: newChef.adminKeyPath, singleTenantOrg: 'demo' },
        backupDir: join(work, 'backup'),
        incremental: { intervalMinutes: 600 },
        tidy: { requireApproval: false },
        cutover: {
          chefServerUrl: `${newChef.url}/organizations/{org}`,
          roles: ['web'],
          checkinDeadlineMinutes: 2,
          checkinPollSeconds: 1,
        },
        heartbeatTimeoutSeconds: 10,
      },
      'demo plan',
      { control: settings.controlQueue, dataPlane: settings.dataPlaneQueue },
    );
    const client = await connectClient(settings);
    const id = await startMigration(client, settings, plan);
    const handle = client.workflow.getHandle(id);
    o.say(`migration started: ${id}`);
    o.say(`watch it in the Temporal UI: ${workflowUrl(settings, id)}`);
    const progress = () => handle.query(progressQuery);
    const waitFor = async (what: string, ready: (p: Progress) => boolean) => {
      for (let last = ''; ;) {
        const p = await progress();
        if (p.phase !== last) o.say(`  phase: ${(last = p.phase)}`);
        if (ready(p)) return p;
        if (p.phase === 'failed') throw new Error(`the migration failed: ${p.error}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };

    await waitFor('the incremental loop', (p) => p.phase === 'incremental-loop');
    for (const pass of [1, 2]) {
      await src.request('PUT', '/nodes/web-1', { body: { ...bigNode('web-1', pass), normal: { demo_pass: pass } } });
      o.say(`changed node web-1 on the old server; asking for incremental pass ${pass}`);
      await handle.signal(passNowSignal);
      const p = await waitFor(`pass ${pass}`, (x) => x.passNumber >= pass);
      o.say(
        `  pass ${pass}: ${p.lastPassSeconds?.toFixed(2)} s; downtime estimate for demo: ${p.orgs.demo?.downtimeEstimateSeconds?.toFixed(2)} s`,
      );
    }
    o.say('cutting over org demo (final pass, verify, re-point nodes) ...');
    o.say(`  ${(await handle.executeUpdate(cutoverOrgUpdate, { args: ['demo'] })).message}`);
    const checkedIn = await simulateCheckins(dst, '', 'web');
    o.say(`  ${checkedIn} nodes ran chef-client against the new server (simulated)`);
    const final: MigrationState = await handle.result();
    o.say(formatProgress({ ...final, workflowId: id }, workflowUrl(settings, id)));

    // The cutover's own check: the destination holds exactly the org's final pass, before nodes were re-pointed
    // (afterwards nodes report to the new server only, so the old one legitimately falls behind).
    const cutover = final.orgs.demo?.cutover;
    o.say(
      `final verification of org demo at cutover: ${cutover?.differences ?? '?'} differences in ${cutover?.compared ?? '?'} objects; ${cutover?.checkedIn ?? 0}/${cutover?.nodes ?? 0} nodes checked in on the new server`,
    );
    const ok = final.phase === 'completed' && cutover?.verified === true && cutover.differences === 0;
    o.say(ok ? 'demo migration completed with zero differences' : 'demo migration did NOT complete cleanly');
    if (o.keep) {
      o.say(`servers stay up; UI: ${workflowUrl(settings, id)}  (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return ok;
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
}
