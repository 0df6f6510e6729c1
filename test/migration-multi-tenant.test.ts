import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { temporalCliPath } from '../client/temporal-cli';
import { ChefClient } from '../activities/chef-api/client';
import { startMigration } from '../client/commands/migration';
import { cutoverOrgSignal, cutoverOrgUpdate, passNowSignal } from '../workflows/messages';
import type { MigrationState } from '../workflows/types';
import { startChefDouble, type ChefDouble } from './chef-double';
import { simulateCheckins } from '../client/demo/checkins';
import { bigNode } from '../client/demo/demo-data';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';
import { startMigrationEnv, waitForProgress, type MigrationEnv } from './fixtures/temporal-env';
import { testPlan } from './fixtures/test-plan';

const execFileAsync = promisify(execFile);

/** With RECORD_HISTORIES=1 the finished histories become the replay test's fixtures. */
async function recordHistories(address: string, ids: string[]): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const folder = join(__dirname, 'histories');
  await mkdir(folder, { recursive: true });
  for (const id of ids) {
    const { stdout } = await execFileAsync(
      temporalCliPath(),
      ['workflow', 'show', '--address', address, '--workflow-id', id, '--output', 'json'],
      { maxBuffer: 64 << 20 },
    );
    await writeFile(join(folder, `${id}.json`), stdout);
  }
}

describe('the migration workflow end to end: two orgs on the multi-tenant test double, cut over at different times', () => {
  let env: MigrationEnv;
  let a: ChefDouble;
  let b: ChefDouble;
  let dir: string;
  let src: ChefClient;
  let dst: ChefClient;

  before(async () => {
    [env, a, b] = await Promise.all([startMigrationEnv('e2e-mt'), startChefDouble(), startChefDouble()]);
    dir = await mkdtemp(join(tmpdir(), 'cm-e2e-mt-'));
    src = new ChefClient({ url: a.url, userId: 'pivotal', keyPath: a.pivotalKeyPath });
    dst = new ChefClient({ url: b.url, userId: 'pivotal', keyPath: b.pivotalKeyPath });
    await seedUsers(src);
    for (const org of ['acme', 'beta']) await seedOrg(src, org, { nodes: 5 });
    await env.startWorker();
  });

  after(async () => {
    await src?.close();
    await dst?.close();
    await env?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('moves both orgs, cuts acme over first, keeps syncing beta, then cuts beta over', async () => {
    const plan = testPlan(env, {
      id: 'mt-e2e',
      source: { url: a.url, webuiKey: a.webuiKeyPath },
      destination: { url: b.url, webuiKey: b.webuiKeyPath },
      backupDir: dir,
      cutover: { roles: ['web'], environments: ['production'] },
    });
    const id = await startMigration(env.client, env.settings, plan);
    const handle = env.client.workflow.getHandle(id);
    const inLoop = await waitForProgress(env.client, id, (p) => p.phase === 'incremental-loop');
    assert.deepEqual(Object.keys(inLoop.orgs).sort(), ['acme', 'beta']);
    assert.equal(inLoop.lastVerify?.differences, 0);
    assert.equal(inLoop.failures, 0);

    // acme first, with the plain signal (the CLI uses the update).
    await handle.signal(cutoverOrgSignal, 'acme');
    await simulateCheckins(dst, '/organizations/acme', 'web');
    const acmeDone = await waitForProgress(env.client, id, (p) => p.orgs.acme?.status === 'cut-over');
    assert.equal(acmeDone.orgs.acme?.cutover?.verified, true);
    assert.equal(acmeDone.orgs.acme?.cutover?.checkedIn, acmeDone.orgs.acme?.cutover?.nodes);
    assert.equal(acmeDone.orgs.acme?.cutover?.pointedObjects, 4, 'role and environment, on both servers');
    assert.equal(acmeDone.orgs.beta?.status, 'syncing');
    await assert.rejects(handle.executeUpdate(cutoverOrgUpdate, { args: ['acme'] }), (err: Error) =>
      /already cut-over/.test(String((err.cause as Error | undefined)?.message)),
    );

    // acme left the loop: its changes no longer move; beta's do.
    const before = acmeDone.passNumber;
    await src.request('PUT', '/organizations/acme/nodes/web-1', {
      body: { ...bigNode('web-1', 1), normal: { left: 'behind' } },
    });
    await src.request('PUT', '/organizations/beta/nodes/web-1', {
      body: { ...bigNode('web-1', 1), normal: { moved: true } },
    });
    await handle.signal(passNowSignal);
    await waitForProgress(env.client, id, (p) => p.passNumber > before);
    const betaNode = await dst.get<{ normal: { moved?: boolean } }>('/organizations/beta/nodes/web-1');
    assert.equal(betaNode.body.normal.moved, true);
    const acmeNode = await dst.get<{ normal: { left?: string } }>('/organizations/acme/nodes/web-1');
    assert.equal(acmeNode.body.normal.left, undefined);

    await handle.executeUpdate(cutoverOrgUpdate, { args: ['beta'] });
    await simulateCheckins(dst, '/organizations/beta', 'web');
    const final: MigrationState = await handle.result();
    assert.equal(final.phase, 'completed');
    assert.equal(final.orgs.beta?.status, 'cut-over');
    assert.equal(final.orgs.beta?.passSeconds.length, 1);
    assert.equal(final.orgs.acme?.passSeconds.length, 0, 'acme was cut over before any incremental pass');
    await recordHistories(env.server.address, [id, `${id}-cutover-acme`]);
  });
});
