import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { MemoryLedger } from '../activities/ledger/ledger';
import type { JsonObject } from '../activities/normalize';
import { backup } from '../activities/operations/backup';
import type { ServerOptions } from '../activities/operations/options';
import { restore } from '../activities/operations/restore';
import { verify } from '../activities/operations/verify';
import { bigNode, seedCommon } from '../client/demo/demo-data';
import { startGoiardi, type GoiardiServer } from '../client/demo/goiardi';

const FAST_RETRY = { maximumAttempts: 5, initialIntervalMs: 20, backoffCoefficient: 2, maximumIntervalMs: 200 };
const ORG = 'demo';

describe('goiardi round trip (single-tenant source and destination)', () => {
  let a: GoiardiServer;
  let b: GoiardiServer;
  let dir: string;
  let src: ServerOptions;
  let dst: ServerOptions;
  let srcClient: ChefClient;
  let seeded: { nodes: string[] };
  const ledger = new MemoryLedger();

  const common = () => ({ dir, concurrency: 10, singleTenantOrg: ORG, retry: FAST_RETRY });
  const verifyAgainstSource = () =>
    verify({ source: src, destination: dst, concurrency: 10, singleTenantOrg: ORG, retry: FAST_RETRY });

  before(async () => {
    [a, b] = await Promise.all([startGoiardi(), startGoiardi()]);
    dir = await mkdtemp(join(tmpdir(), 'cm-backup-'));
    src = { url: a.url, user: 'admin', keyPath: a.adminKeyPath };
    dst = { url: b.url, user: 'admin', keyPath: b.adminKeyPath, signVersion: '1.0' };
    srcClient = new ChefClient({ url: a.url, userId: 'admin', keyPath: a.adminKeyPath });
    await srcClient.request('POST', '/users', { body: { name: 'alice', password: 'pw-alice-123', admin: false } });
    await srcClient.request('POST', '/users', { body: { name: 'bob.smith', password: 'pw-bob-123', admin: true } });
    seeded = await seedCommon(srcClient, '', { nodes: 40 });
  });

  after(async () => {
    await srcClient?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('backs up into the knife-ec-backup layout under organizations/<name>', async () => {
    const r = await backup({ ...common(), source: src });
    assert.equal(r.failed, 0, JSON.stringify(r));
    const org = join(dir, 'organizations', ORG);
    assert.deepEqual((await readdir(join(org, 'nodes'))).sort(), seeded.nodes.map((n) => `${n}.json`).sort());
    assert.ok((await stat(join(org, 'data_bags', 'empty_bag'))).isDirectory());
    const item = JSON.parse(await readFile(join(org, 'data_bags', 'secrets', 'api.key.json'), 'utf8'));
    assert.equal(item.token, 'abc');
    const cb = join(org, 'cookbooks', 'base-1.0.0');
    assert.deepEqual(JSON.parse(await readFile(join(cb, 'status.json'), 'utf8')), { frozen: true });
    assert.equal((await readFile(join(cb, 'files/default/blob.bin'))).length, 50_000);
    assert.ok((await readdir(join(dir, 'users'))).includes('alice.json'));
    const meta = JSON.parse(await readFile(join(dir, '.chef-migrate', 'backup.json'), 'utf8'));
    assert.equal(meta.source.flavor, 'goiardi');
    assert.equal(meta.singleTenantOrg, ORG);
    assert.ok(meta.finishedAt);
  });

  it('restores into an empty goiardi and verifies with zero differences', async () => {
    const r = await restore({ ...common(), destination: dst }, { ledger });
    assert.equal(r.failed, 0, JSON.stringify(r));
    const vsBackup = await verify({ dir, destination: dst, concurrency: 10, singleTenantOrg: ORG, retry: FAST_RETRY });
    assert.deepEqual(vsBackup.differences, []);
    const vsSource = await verifyAgainstSource();
    assert.deepEqual(vsSource.differences, []);
    const nodes = vsSource.rows.find((row) => row.kind === 'nodes');
    assert.equal(nodes?.compared, seeded.nodes.length);
  });

  it('an incremental pass writes only what changed', async () => {
    await srcClient.request('PUT', '/nodes/web-1', { body: { ...bigNode('web-1', 99), normal: { changed: true } } });
    await srcClient.request('POST', '/roles', { body: { name: 'new-role', run_list: ['recipe[base]'] } });
    await backup({ ...common(), source: src });
    const r = await restore({ ...common(), destination: dst }, { ledger });
    assert.equal(r.failed, 0);
    const written = Object.fromEntries(
      Object.entries(r.counts)
        .map(([k, c]) => [k, c.written])
        .filter(([, n]) => n),
    );
    assert.deepEqual(written, { nodes: 1, roles: 1 });
    assert.equal(r.counts.nodes?.unchanged, seeded.nodes.length - 1);
    const check = await verifyAgainstSource();
    assert.deepEqual(check.differences, []);
  });

  it('finds changed nodes by a partial search and reads only those in full', async () => {
    const nodeFile = (n: string) => join(dir, 'organizations', ORG, 'nodes', `${n}.json`);
    const readNode = async (n: string) => JSON.parse(await readFile(nodeFile(n), 'utf8')) as JsonObject;
    const [edited, ran, lost] = seeded.nodes.slice(1, 4) as [string, string, string];
    const current = async (n: string) => (await srcClient.get<JsonObject>(`/nodes/${n}`)).body;
    const e = await current(edited);
    // knife node edit: normal attributes change, ohai_time does not.
    await srcClient.request('PUT', `/nodes/${edited}`, {
      body: { ...e, normal: { ...(e.normal as JsonObject), edited: true } },
    });
    const r = await current(ran);
    // a chef-client run: new automatic attributes and a new ohai_time.
    await srcClient.request('PUT', `/nodes/${ran}`, {
      body: { ...r, automatic: { ...(r.automatic as JsonObject), ohai_time: 4_000_000_000.5, uptime: 'new' } },
    });
    await rm(nodeFile(lost));

    const quick = await backup({ ...common(), source: src });
    assert.equal(quick.failed, 0);
    assert.equal(quick.notes, undefined, 'the partial search was trusted');
    assert.equal(((await readNode(edited)).normal as JsonObject).edited, true);
    assert.equal(((await readNode(ran)).automatic as JsonObject).uptime, 'new');
    assert.equal((await readNode(lost)).name, lost, 'a node file missing locally is read again');
    assert.equal(quick.counts.nodes?.written, 3);

    const full = await backup({ ...common(), source: src, readAllNodes: true });
    assert.equal(full.counts.nodes?.written, 0, 'the quick pass missed no change');
    // The quick pass sent 3 node GETs, one GET of a sample node and one search page; the full pass a GET per node.
    assert.equal(full.requests - quick.requests, seeded.nodes.length - 5);
    const restored = await restore({ ...common(), destination: dst }, { ledger });
    assert.equal(restored.counts.nodes?.written, 2);
    // A hand edit of a backup file is restored, though the digest book and the ledger agree on the old content.
    const hand = await readNode(edited);
    await writeFile(nodeFile(edited), JSON.stringify({ ...hand, normal: { ...(hand.normal as JsonObject), hand: 1 } }));
    const again = await restore({ ...common(), destination: dst }, { ledger });
    assert.equal(again.counts.nodes?.written, 1);
    assert.equal(again.counts.nodes?.unchanged, seeded.nodes.length - 1);
  });

  it('--purge removes what the source no longer has, locally and on the destination', async () => {
    await srcClient.request('DELETE', '/nodes/under_score');
    await srcClient.request('DELETE', '/data/secrets/db');
    await backup({ ...common(), source: src, purge: true });
    await assert.rejects(stat(join(dir, 'organizations', ORG, 'nodes', 'under_score.json')));
    const r = await restore({ ...common(), destination: dst, purge: true }, { ledger });
    assert.equal(r.failed, 0);
    assert.equal(r.counts.nodes?.deleted, 1);
    assert.equal(r.counts.data_bag_items?.deleted, 1);
    const check = await verifyAgainstSource();
    assert.deepEqual(check.differences, []);
  });

  it('verify names a difference it finds', async () => {
    await srcClient.request('PUT', '/roles/web', { body: { name: 'web', run_list: ['recipe[other]'] } });
    const check = await verifyAgainstSource();
    assert.equal(check.differences.length, 1);
    assert.equal(check.differences[0]?.kind, 'roles');
    assert.equal(check.differences[0]?.name, 'web');
    assert.match(check.differences[0]?.detail ?? '', /run_list/);
  });
});
