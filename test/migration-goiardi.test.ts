import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { startMigration } from '../client/commands/migration';
import { cutoverOrgUpdate, passNowSignal } from '../workflows/messages';
import type { MigrationPlan, MigrationState } from '../workflows/types';
import { simulateCheckins } from '../client/demo/checkins';
import { bigNode, seedCommon } from '../client/demo/demo-data';
import { startMigrationEnv, waitForProgress, type MigrationEnv } from './fixtures/temporal-env';
import { testPlan } from './fixtures/test-plan';
import { startGoiardi, type GoiardiServer } from '../client/demo/goiardi';

const execFileAsync = promisify(execFile);

describe('the migration workflow end to end: goiardi (single-tenant, mapped to org demo) on a real Temporal dev server', () => {
  let env: MigrationEnv;
  let a: GoiardiServer;
  let b: GoiardiServer;
  let dir: string;
  let plan: MigrationPlan;
  let src: ChefClient;
  let dst: ChefClient;

  before(async () => {
    [env, a, b] = await Promise.all([startMigrationEnv('e2e-goiardi'), startGoiardi(), startGoiardi()]);
    dir = await mkdtemp(join(tmpdir(), 'cm-e2e-'));
    src = new ChefClient({ url: a.url, userId: 'admin', keyPath: a.adminKeyPath });
    dst = new ChefClient({ url: b.url, userId: 'admin', keyPath: b.adminKeyPath });
    await seedCommon(src, '', { nodes: 10 });
    plan = testPlan(env, {
      id: 'goiardi-e2e',
      source: { url: a.url, user: 'admin', key: a.adminKeyPath, singleTenantOrg: 'demo' },
      destination: { url: b.url, user: 'admin', key: b.adminKeyPath, singleTenantOrg: 'demo' },
      backupDir: dir,
      cutover: { roles: ['web'] },
    });
    await env.startWorker();
  });

  after(async () => {
    await src?.close();
    await dst?.close();
    await env?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs backup → restore → verify → two incremental passes → cutover, and completes', async () => {
    const id = await startMigration(env.client, env.settings, plan);
    const handle = env.client.workflow.getHandle(id);
    const inLoop = await waitForProgress(env.client, id, (p) => p.phase === 'incremental-loop');
    assert.equal(inLoop.lastVerify?.differences, 0);
    assert.deepEqual(Object.keys(inLoop.orgs), ['demo']);
    assert.equal(inLoop.failures, 0);

    // A second start with the same plan id is refused.
    await assert.rejects(startMigration(env.client, env.settings, plan), /already exists/);

    for (const pass of [1, 2]) {
      await src.request('PUT', '/nodes/web-1', { body: { ...bigNode('web-1', pass), normal: { pass } } });
      await src.request('POST', '/roles', { body: { name: `added-in-pass-${pass}`, run_list: ['recipe[base]'] } });
      await handle.signal(passNowSignal);
      const p = await waitForProgress(env.client, id, (x) => x.passNumber >= pass);
      assert.equal(p.orgs.demo?.passSeconds.length, pass);
      assert.ok((p.orgs.demo?.downtimeEstimateSeconds ?? -1) >= 0);
      const node = await dst.get<{ normal: { pass?: number } }>('/nodes/web-1');
      assert.equal(node.body.normal.pass, pass, `the change of pass ${pass} reached the destination`);
      assert.equal((await dst.get(`/roles/added-in-pass-${pass}`, { accept: [404] })).status, 200);
    }

    // What an operator sees while it runs: the CLI's status and the UI's searchable columns.
    const status = await execFileAsync(process.execPath, [join(__dirname, '..', 'bin', 'chef-migrate'), 'status', id], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.server.address },
    });
    assert.match(status.stdout, /phase: incremental-loop {2}passes: 2 {2}failed objects: 0/);
    assert.match(status.stdout, /^demo +syncing +[\d.]+ +[\d.]+ +- *$/m);
    const listed = [];
    for await (const wf of env.client.workflow.list({
      query: `MigrationPhase = 'incremental-loop' AND MigrationOrgsTotal = 1`,
    }))
      listed.push(wf.workflowId);
    assert.deepEqual(listed, [id]);

    await assert.rejects(handle.executeUpdate(cutoverOrgUpdate, { args: ['nope'] }), (err: Error) => {
      assert.match(String((err.cause as Error | undefined)?.message), /unknown org 'nope'; this migration has: demo/);
      return true;
    });
    const accepted = await handle.executeUpdate(cutoverOrgUpdate, { args: ['demo'] });
    assert.equal(accepted.accepted, true);
    const checkedIn = await simulateCheckins(dst, '', 'web');

    const final: MigrationState = await handle.result();
    assert.equal(final.phase, 'completed');
    const cutover = final.orgs.demo?.cutover;
    assert.equal(final.orgs.demo?.status, 'cut-over');
    assert.equal(cutover?.verified, true);
    assert.equal(cutover?.differences, 0);
    assert.equal(cutover?.nodes, checkedIn);
    assert.equal(cutover?.checkedIn, checkedIn);
    assert.equal(cutover?.pointedObjects, 2, 'the role on the source and on the destination');
    const role = await src.get<{ default_attributes: { chef_client: { config: { chef_server_url: string } } } }>(
      '/roles/web',
    );
    assert.equal(
      role.body.default_attributes.chef_client.config.chef_server_url,
      'https://chef-ha.example.com/organizations/demo',
    );
  });
});
