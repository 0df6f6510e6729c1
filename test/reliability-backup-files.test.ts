import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { MemoryLedger } from '../activities/ledger/ledger';
import { backup } from '../activities/operations/backup';
import type { OperationResult, ServerOptions } from '../activities/operations/options';
import { restore } from '../activities/operations/restore';
import { verify } from '../activities/operations/verify';
import type { FailureEntry } from '../activities/report/failure-report';
import { tidyBackup } from '../activities/tidy';
import { cookbookFiles, uploadCookbook } from '../client/demo/demo-data';
import { startChefDouble, type ChefDouble } from './chef-double';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';

/**
 * A backup directory damaged after a good backup (disk trouble, a hand edit, a partial copy): a restore moves
 * everything else, names every damaged object with its file and what to do, and verify lists exactly those.
 */

const FAST_RETRY = { maximumAttempts: 5, initialIntervalMs: 5, backoffCoefficient: 2, maximumIntervalMs: 50 };
const ROOT = join(__dirname, '..');
const ORG = 'acme';
const org = (...parts: string[]) => ['organizations', ORG, ...parts].join('/');

/** What is damaged, as the failure report names it: kind, name, path relative to the backup dir. */
const DAMAGED = [
  { kind: 'cookbooks', name: 'base-latest', path: org('cookbooks', 'base-latest') },
  { kind: 'cookbooks', name: 'nginx-2.0.0', path: org('cookbooks', 'nginx-2.0.0') },
  { kind: 'data_bag_items', name: 'secrets/api.key', path: org('data_bags', 'secrets', 'api.key.json') },
  { kind: 'nodes', name: 'db.example.com', path: org('nodes', 'db.example.com.json') },
  { kind: 'roles', name: 'db.primary', path: org('roles', 'db.primary.json') },
];
const MISSING_COOKBOOK_FILE = 'files/default/blob.bin';

async function readReport(file: string | undefined): Promise<FailureEntry[]> {
  assert.ok(file, 'a failure report was written');
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as FailureEntry);
}

const byKindName = (a: { kind: string; name: string }, b: { kind: string; name: string }) =>
  `${a.kind} ${a.name}`.localeCompare(`${b.kind} ${b.name}`);

function chefMigrate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['bin/chef-migrate', ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, CHEF_MIGRATE_DEBUG: '' } },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(new Error(`chef-migrate did not exit: ${err.message}`));
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

describe('reliability: a damaged backup directory', () => {
  let src: ChefDouble;
  let dst: ChefDouble;
  let work: string;
  let dir: string;
  let restored: OperationResult;
  const ledger = new MemoryLedger();
  const destination = (d: ChefDouble): ServerOptions => ({
    url: d.url,
    user: 'pivotal',
    keyPath: d.webuiKeyPath,
    webui: true,
  });

  const backupFromSource = () =>
    backup({
      dir,
      concurrency: 10,
      retry: FAST_RETRY,
      source: { url: src.url, user: 'pivotal', keyPath: src.webuiKeyPath, webui: true },
    });

  before(async () => {
    [src, dst] = await Promise.all([startChefDouble(), startChefDouble()]);
    work = await mkdtemp(join(tmpdir(), 'cm-rel-files-'));
    dir = join(work, 'backup');
    const pivotal = new ChefClient({ url: src.url, userId: 'pivotal', keyPath: src.pivotalKeyPath });
    try {
      await seedUsers(pivotal);
      await seedOrg(pivotal, ORG, { nodes: 3 });
      // A second nginx version: the cookbook (and its ACL) stays on the destination when nginx-2.0.0 cannot be restored.
      await uploadCookbook(pivotal, `/organizations/${ORG}`, 'nginx', '2.1.0', cookbookFiles('nginx', '2.1.0'));
    } finally {
      await pivotal.close();
    }
    const b = await backupFromSource();
    assert.equal(b.failed, 0, JSON.stringify(b));

    const at = (rel: string) => join(dir, ...rel.split('/'));
    // A node cut off in the middle of a write.
    const node = await readFile(at(org('nodes', 'db.example.com.json')), 'utf8');
    await writeFile(at(org('nodes', 'db.example.com.json')), node.slice(0, Math.floor(node.length / 2)));
    // A role edited by hand: a trailing comma.
    const role = await readFile(at(org('roles', 'db.primary.json')), 'utf8');
    await writeFile(at(org('roles', 'db.primary.json')), role.replace(/\}\s*$/, ',\n}\n'));
    // A data bag item that is valid JSON but not an object.
    await writeFile(at(org('data_bags', 'secrets', 'api.key.json')), '["api.key", "abc"]\n');
    // A cookbook file the sidecar manifest names, gone.
    const manifest = JSON.parse(
      await readFile(join(dir, '.chef-migrate', 'manifests', ORG, 'cookbooks', 'nginx-2.0.0.json'), 'utf8'),
    ) as { files: { path: string }[] };
    assert.ok(
      manifest.files.some((f) => f.path === MISSING_COOKBOOK_FILE),
      'the manifest names the file',
    );
    await rm(at(`${org('cookbooks', 'nginx-2.0.0')}/${MISSING_COOKBOOK_FILE}`));
    // A cookbook folder whose name is not <name>-<x.y.z>.
    await rename(at(org('cookbooks', 'base-1.0.0')), at(org('cookbooks', 'base-latest')));
  });

  after(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('restore goes on with the rest and reports each damaged object with its file and a hint', async () => {
    restored = await restore({ dir, concurrency: 10, retry: FAST_RETRY, destination: destination(dst) }, { ledger });
    const entries = await readReport(restored.failureReport);
    const show = JSON.stringify(entries, null, 2);
    assert.deepEqual(
      entries.map((e) => ({ kind: e.kind, name: e.name, path: e.path })).sort(byKindName),
      DAMAGED,
      show,
    );
    assert.equal(restored.failed, DAMAGED.length, show);
    for (const e of entries) {
      assert.equal(e.org, ORG);
      assert.equal(e.operation, 'restore');
      // The message names the file (absolute, so an operator can open it) and the hint says to fix that file.
      assert.ok(e.message.includes(join(dir, ...(e.path ?? '').split('/'))), `${e.message} names ${e.path}`);
      assert.match(e.hint, /fix or remove the file in the backup directory/);
      assert.equal(e.status, undefined, 'a file problem, not a server answer');
    }
    const message = (name: string) => entries.find((e) => e.name === name)?.message ?? '';
    assert.match(message('db.example.com'), /not valid JSON/);
    assert.match(message('db.primary'), /not valid JSON/);
    assert.match(message('secrets/api.key'), /expected a JSON object/);
    assert.ok(message('nginx-2.0.0').includes(MISSING_COOKBOOK_FILE), message('nginx-2.0.0'));
    assert.match(message('nginx-2.0.0'), /named in the manifest is missing/);
    assert.match(message('base-latest'), /not <name>-<version>/);

    // The rest arrived.
    assert.equal(restored.counts.nodes?.written, 6, JSON.stringify(restored.counts));
    assert.equal(restored.counts.roles?.written, 1);
    assert.equal(restored.counts.data_bag_items?.written, 1);
    assert.equal(restored.counts.cookbooks?.written, 2);
    // The ACL of an object that failed waits for it (the object's entry says what to fix), never a second failure.
    assert.equal(restored.counts['acls/nodes']?.skipped, 1);
    assert.equal(restored.counts['acls/roles']?.skipped, 1);
  });

  it('verify of the backup against the destination lists exactly the damaged objects', async () => {
    const report = await verify({
      dir,
      destination: destination(dst),
      concurrency: 10,
      onlyOrgs: [ORG],
      retry: FAST_RETRY,
    });
    assert.deepEqual(
      report.differences.map((d) => `${d.problem} ${d.kind} ${d.name}`),
      [
        // An object's ACL cannot be on the destination without the object.
        'missing acls/nodes db.example.com',
        'missing acls/roles db.primary',
        'missing cookbooks base-latest',
        'missing cookbooks nginx-2.0.0',
        'missing data_bag_items secrets/api.key',
        'missing nodes db.example.com',
        'missing roles db.primary',
      ],
      JSON.stringify(report.differences, null, 2),
    );
  });

  it('tidy (dry run) reports each malformed JSON file as invalid-json with its path', async () => {
    const report = await tidyBackup(dir);
    const invalid = report.findings.filter((f) => f.rule === 'invalid-json');
    assert.deepEqual(invalid.map((f) => f.file).sort(), [
      org('nodes', 'db.example.com.json'),
      org('roles', 'db.primary.json'),
    ]);
    for (const f of invalid) {
      assert.equal(f.severity, 'action-needed');
      assert.ok(f.message.includes(f.file), f.message);
    }
    assert.deepEqual(report.filesChanged, [], 'a dry run writes nothing');
  });

  it('chef-migrate restore on the damaged directory exits 1 (objects failed), not a crash', async () => {
    const fresh = await startChefDouble();
    try {
      const r = await chefMigrate(['restore', dir, '--server-url', fresh.url, '--webui-key', fresh.webuiKeyPath]);
      const show = `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      assert.equal(r.code, 1, show);
      assert.match(
        r.stdout,
        new RegExp(`^${DAMAGED.length} objects failed; details in .*restore-.*\\.jsonl$`, 'm'),
        show,
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      const file = /details in (.*\.jsonl)$/m.exec(r.stdout)?.[1];
      await access(file ?? '');
      assert.deepEqual(
        (await readReport(file)).map((e) => ({ kind: e.kind, name: e.name, path: e.path })).sort(byKindName),
        DAMAGED,
      );
    } finally {
      await fresh.stop();
    }
  });

  it('once the files are repaired, the next pass restores the objects and their ACLs: zero differences', async () => {
    await rename(
      join(dir, ...org('cookbooks', 'base-latest').split('/')),
      join(dir, ...org('cookbooks', 'base-1.0.0').split('/')),
    );
    const again = await backupFromSource();
    assert.equal(again.failed, 0, JSON.stringify(again));
    const r = await restore({ dir, concurrency: 10, retry: FAST_RETRY, destination: destination(dst) }, { ledger });
    assert.equal(r.failed, 0, r.failureReport ? await readFile(r.failureReport, 'utf8') : '');
    assert.equal(r.counts['acls/nodes']?.written, 1, JSON.stringify(r.counts));
    assert.equal(r.counts['acls/roles']?.written, 1, JSON.stringify(r.counts));
    const report = await verify({
      dir,
      destination: destination(dst),
      concurrency: 10,
      onlyOrgs: [ORG],
      retry: FAST_RETRY,
    });
    assert.deepEqual(report.differences, []);
  });
});
