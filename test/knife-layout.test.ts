import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { parseMetadataRb } from '../activities/backup-store/cookbook-dir';
import { backup } from '../activities/operations/backup';
import type { ServerOptions } from '../activities/operations/options';
import { restore } from '../activities/operations/restore';
import { verify } from '../activities/operations/verify';
import type { FailureEntry } from '../activities/report/failure-report';
import { startChefDouble, type ChefDouble } from './chef-double';
import { uploadCookbook } from '../client/demo/demo-data';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';

const FAST_RETRY = { maximumAttempts: 3, initialIntervalMs: 5, backoffCoefficient: 2, maximumIntervalMs: 20 };
const METADATA_RB = `name 'legacy'\nversion '0.3.1'\ndepends 'apt', '>= 2.0'\ndepends "yum"\nlong_description IO.read(File.join(File.dirname(__FILE__), 'README.md'))\n`;

describe('a knife-ec-backup made backup (no sidecar folder)', () => {
  let a: ChefDouble;
  let b: ChefDouble;
  let dir: string;
  let src: ServerOptions;
  let dst: ServerOptions;

  before(async () => {
    [a, b] = await Promise.all([startChefDouble(), startChefDouble()]);
    dir = await mkdtemp(join(tmpdir(), 'cm-knife-'));
    src = { url: a.url, user: 'pivotal', keyPath: a.webuiKeyPath, webui: true };
    dst = { url: b.url, user: 'pivotal', keyPath: b.webuiKeyPath, webui: true };
    const pivotal = new ChefClient({ url: a.url, userId: 'pivotal', keyPath: a.pivotalKeyPath });
    await seedUsers(pivotal);
    await seedOrg(pivotal, 'acme');
    await uploadCookbook(pivotal, '/organizations/acme', 'legacy', '0.3.1', [
      { path: 'metadata.rb', content: Buffer.from(METADATA_RB) },
      { path: 'recipes/default.rb', content: Buffer.from("log 'legacy'\n") },
    ]);
    await pivotal.close();
    await backup({ dir, concurrency: 10, retry: FAST_RETRY, source: src });
    // What knife-ec-backup leaves: no sidecar, and a cookbook folder nobody can restore.
    await rm(join(dir, '.chef-migrate'), { recursive: true });
    await mkdir(join(dir, 'organizations', 'acme', 'cookbooks', 'broken-1.0.0', 'recipes'), { recursive: true });
    await writeFile(join(dir, 'organizations', 'acme', 'cookbooks', 'broken-1.0.0', 'recipes', 'default.rb'), 'x\n');
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads metadata.rb literals without evaluating Ruby', () => {
    assert.deepEqual(parseMetadataRb(METADATA_RB), {
      name: 'legacy',
      version: '0.3.1',
      dependencies: { apt: '>= 2.0', yum: '>= 0.0.0' },
    });
  });

  it('restores everything, rebuilding cookbook manifests from the folders, and reports the one it cannot', async () => {
    const r = await restore({ dir, concurrency: 10, retry: FAST_RETRY, destination: dst });
    assert.equal(r.failed, 1, await readFile(r.failureReport ?? '', 'utf8'));
    const entries = (await readFile(r.failureReport ?? '', 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as FailureEntry);
    assert.equal(entries[0]?.name, 'broken-1.0.0');
    assert.equal(entries[0]?.path, 'organizations/acme/cookbooks/broken-1.0.0');
    assert.match(entries[0]?.message ?? '', /neither metadata\.json nor metadata\.rb/);
    const report = await verify({ source: src, destination: dst, concurrency: 10, retry: FAST_RETRY });
    assert.deepEqual(report.differences, []);
    const client = new ChefClient({ url: b.url, userId: 'pivotal', keyPath: b.pivotalKeyPath });
    const legacy = await client.get<{ metadata: { dependencies: Record<string, string> } }>(
      '/organizations/acme/cookbooks/legacy/0.3.1',
    );
    await client.close();
    assert.deepEqual(legacy.body.metadata.dependencies, { apt: '>= 2.0', yum: '>= 0.0.0' });
  });
});
