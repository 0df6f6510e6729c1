import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { MemoryLedger } from '../activities/ledger/ledger';
import { backup } from '../activities/operations/backup';
import type { ServerOptions } from '../activities/operations/options';
import { restore } from '../activities/operations/restore';
import { verify } from '../activities/operations/verify';
import { startChefDouble, type ChefDouble } from './chef-double';
import { bigNode } from '../client/demo/demo-data';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';

const FAST_RETRY = { maximumAttempts: 5, initialIntervalMs: 20, backoffCoefficient: 2, maximumIntervalMs: 200 };
const ORGS = ['acme', 'beta'];

describe('multi-tenant round trip (Chef Server 12 test double)', () => {
  let a: ChefDouble;
  let b: ChefDouble;
  let dir: string;
  let src: ServerOptions;
  let dst: ServerOptions;
  let pivotal: ChefClient;
  const ledger = new MemoryLedger();
  const common = () => ({ dir, concurrency: 10, retry: FAST_RETRY });
  const verifyAll = () => verify({ source: src, destination: dst, concurrency: 10, retry: FAST_RETRY });

  before(async () => {
    [a, b] = await Promise.all([startChefDouble(), startChefDouble()]);
    dir = await mkdtemp(join(tmpdir(), 'cm-mt-'));
    // knife-ec-backup's identity: the webui key, impersonating pivotal.
    src = { url: a.url, user: 'pivotal', keyPath: a.webuiKeyPath, webui: true };
    dst = { url: b.url, user: 'pivotal', keyPath: b.webuiKeyPath, webui: true };
    pivotal = new ChefClient({ url: a.url, userId: 'pivotal', keyPath: a.pivotalKeyPath });
    await seedUsers(pivotal);
    for (const org of ORGS) await seedOrg(pivotal, org, { nodes: 10 });
  });

  after(async () => {
    await pivotal?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('backs up every object type in the knife-ec-backup layout', async () => {
    const r = await backup({ ...common(), source: src });
    assert.equal(r.failed, 0, JSON.stringify(r));
    assert.deepEqual(r.orgs, ORGS);
    const org = join(dir, 'organizations', 'acme');
    const top = (await readdir(org)).sort();
    for (const expected of [
      'acls',
      'clients',
      'containers',
      'cookbook_artifacts',
      'cookbooks',
      'data_bags',
      'environments',
      'groups',
      'invitations.json',
      'members.json',
      'nodes',
      'org.json',
      'policies',
      'policy_groups',
      'roles',
    ])
      assert.ok(top.includes(expected), `missing ${expected} in ${top}`);
    const members = JSON.parse(await readFile(join(org, 'members.json'), 'utf8'));
    assert.deepEqual(members, [{ user: { username: 'alice' } }, { user: { username: 'bob' } }]);
    const invitations = JSON.parse(await readFile(join(org, 'invitations.json'), 'utf8'));
    assert.deepEqual(
      invitations.map((i: { username: string }) => i.username),
      ['carol.d'],
    );
    const acl = JSON.parse(await readFile(join(org, 'acls', 'nodes', 'web-1.json'), 'utf8'));
    assert.deepEqual(acl.update, { actors: ['bob', 'pivotal'], groups: ['admins', 'ops'] });
    assert.equal((await readdir(join(org, 'policies'))).length, 2);
    assert.deepEqual(await readdir(join(org, 'cookbook_artifacts')), [`base-${'a'.repeat(40)}`]);
    assert.ok((await readdir(join(dir, 'user_acls'))).includes('alice.json'));
    const sre = JSON.parse(await readFile(join(org, 'groups', 'sre.json'), 'utf8'));
    assert.deepEqual(sre.groups, ['ops']);
  });

  it('restores both orgs into an empty server with zero differences', async () => {
    const r = await restore({ ...common(), destination: dst }, { ledger });
    assert.equal(
      r.failed,
      0,
      `${JSON.stringify(r)}\n${r.failureReport ? await readFile(r.failureReport, 'utf8') : ''}`,
    );
    const report = await verifyAll();
    assert.deepEqual(report.differences, []);
    const kinds = new Set(report.rows.filter((row) => row.compared > 0).map((row) => row.kind));
    for (const k of [
      'users',
      'org',
      'members',
      'invitations',
      'groups',
      'containers',
      'clients',
      'nodes',
      'policies',
      'policy_groups',
      'cookbook_artifacts',
      'acls/nodes',
      'acls/groups',
    ])
      assert.ok(kinds.has(k), `verify did not compare ${k}`);
  });

  it('an incremental pass writes only the changed objects', async () => {
    await pivotal.request('PUT', '/organizations/beta/nodes/web-1', {
      body: { ...bigNode('web-1', 7), normal: { moved: true } },
    });
    await pivotal.request('PUT', '/organizations/acme/groups/ops', {
      body: { groupname: 'ops', actors: { users: ['bob', 'alice'], clients: [], groups: [] } },
    });
    a.log.length = 0;
    const pass = await backup({ ...common(), source: src });
    // Chef Server answers a node partial search from its merged view: the quick check says so and reads all.
    assert.match(
      pass.notes?.join('\n') ?? '',
      /acme nodes: every node read in full: partial search answered a node without/,
    );
    const nodeGets = a.log.filter((e) => e.method === 'GET' && /^\/organizations\/\w+\/nodes\/[^/]+$/.test(e.path));
    const nodes = pass.counts.nodes ?? { unchanged: 0, written: 0 };
    assert.equal(nodeGets.length, (nodes.unchanged ?? 0) + (nodes.written ?? 0));
    assert.ok(nodeGets.length > 2);
    b.log.length = 0;
    const r = await restore({ ...common(), destination: dst }, { ledger });
    assert.equal(r.failed, 0);
    const writes = b.log.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.path}`);
    assert.deepEqual(writes.sort(), ['PUT /organizations/acme/groups/ops', 'PUT /organizations/beta/nodes/web-1']);
    assert.deepEqual((await verifyAll()).differences, []);
  });

  it('--purge deletes on the destination what the source no longer has', async () => {
    await pivotal.request('DELETE', '/organizations/acme/nodes/db.example.com');
    await pivotal.request('DELETE', '/organizations/beta/roles/db.primary');
    await backup({ ...common(), source: src, purge: true });
    const r = await restore({ ...common(), destination: dst, purge: true }, { ledger });
    assert.equal(r.failed, 0);
    assert.equal(r.counts.nodes?.deleted, 1);
    assert.equal(r.counts.roles?.deleted, 1);
    assert.deepEqual((await verifyAll()).differences, []);
  });
});
