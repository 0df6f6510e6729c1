import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { RETRY_RULE, retryDelayMs } from '../activities/retry-rule';
import { seedCommon } from '../client/demo/demo-data';
import { startGoiardi, type GoiardiServer } from '../client/demo/goiardi';

/** The `chef-migrate` binary as an operator runs it: a child process, its output and its exit status. */

const ROOT = join(__dirname, '..');
const ORG = 'demo';
const RUN_TIMEOUT_MS = 60_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function chefMigrate(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['bin/chef-migrate', ...args],
      {
        cwd: ROOT,
        timeout: RUN_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        // A debug variable in the caller's environment would add a stack trace to stderr.
        env: { ...process.env, CHEF_MIGRATE_DEBUG: '', ...env },
      },
      (err, stdout, stderr) => {
        const ms = Date.now() - started;
        if (err && typeof err.code !== 'number') {
          reject(
            new Error(`chef-migrate ${args.join(' ')} did not exit normally (${err.message}); stderr:\n${stderr}`),
          );
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr, ms });
      },
    );
  });
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** stderr of a bad-input run: exactly one non-empty line, which is returned. */
function oneLine(r: Run): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `expected one line on stderr\n${show(r)}`);
  return lines[0] ?? '';
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The shortest time the client's retry rule would wait in all before giving up (full jitter keeps >= 50 %). */
function minimumRetryBudgetMs(): number {
  let total = 0;
  for (let attempt = 1; attempt < RETRY_RULE.maximumAttempts; attempt++) total += retryDelayMs(RETRY_RULE, attempt, 0);
  return total;
}

describe('chef-migrate CLI against two goiardi servers', () => {
  let a: GoiardiServer;
  let b: GoiardiServer;
  let work: string;
  let dir: string;
  let srcClient: ChefClient;
  let seeded: { nodes: string[] };

  const srcFlags = () => ['--server-url', a.url, '--user', 'admin', '--key', a.adminKeyPath];
  const dstFlags = () => ['--server-url', b.url, '--user', 'admin', '--key', b.adminKeyPath];
  const tenant = ['--single-tenant-org', ORG];

  before(async () => {
    [a, b] = await Promise.all([startGoiardi(), startGoiardi()]);
    work = await mkdtemp(join(tmpdir(), 'cm-cli-'));
    dir = join(work, 'backup');
    srcClient = new ChefClient({ url: a.url, userId: 'admin', keyPath: a.adminKeyPath });
    await srcClient.request('POST', '/users', { body: { name: 'alice', password: 'pw-alice-123', admin: false } });
    seeded = await seedCommon(srcClient, '', { nodes: 5 });
  });

  after(async () => {
    await srcClient?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('--help exits 0 and prints the usage', async () => {
    const r = await chefMigrate(['--help']);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /chef-migrate backup DIR/);
    assert.match(r.stdout, /chef-migrate restore DIR/);
    assert.equal(r.stderr, '');
  });

  it('backup exits 0, prints a summary table and writes the nodes', async () => {
    const r = await chefMigrate(['backup', dir, ...srcFlags(), ...tenant]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^backup of demo: /m);
    assert.match(r.stdout, /^kind\s+written\s+unchanged\s+skipped\s+deleted\s+failed$/m);
    assert.match(r.stdout, new RegExp(`^nodes\\s+${seeded.nodes.length}\\s+0\\s+0\\s+0\\s+0$`, 'm'));
    assert.doesNotMatch(r.stdout, /objects failed/);
    const nodes = await readdir(join(dir, 'organizations', ORG, 'nodes'));
    assert.deepEqual(nodes.sort(), seeded.nodes.map((n) => `${n}.json`).sort());
  });

  it('--json prints the result as JSON with counts', async () => {
    const jsonDir = join(work, 'backup-json');
    const r = await chefMigrate(['backup', jsonDir, ...srcFlags(), ...tenant, '--json']);
    assert.equal(r.code, 0, show(r));
    const result = JSON.parse(r.stdout) as { operation: string; orgs: string[]; failed: number; counts: object };
    assert.equal(result.operation, 'backup');
    assert.deepEqual(result.orgs, [ORG]);
    assert.equal(result.failed, 0);
    assert.equal((result.counts as Record<string, { written: number }>).nodes?.written, seeded.nodes.length);
  });

  it('restore exits 0 and verify against the backup and against the source finds zero differences', async () => {
    const restored = await chefMigrate(['restore', dir, ...dstFlags(), ...tenant]);
    assert.equal(restored.code, 0, show(restored));
    assert.match(restored.stdout, /^restore of demo: /m);
    assert.match(restored.stdout, new RegExp(`^nodes\\s+${seeded.nodes.length}\\s`, 'm'));

    const vsBackup = await chefMigrate(['verify', dir, ...dstFlags(), ...tenant]);
    assert.equal(vsBackup.code, 0, show(vsBackup));
    assert.match(vsBackup.stdout, /zero differences/);

    const vsSource = await chefMigrate([
      'verify',
      '--source-url',
      a.url,
      '--source-user',
      'admin',
      '--source-key',
      a.adminKeyPath,
      ...dstFlags(),
      ...tenant,
    ]);
    assert.equal(vsSource.code, 0, show(vsSource));
    assert.match(vsSource.stdout, /zero differences/);
  });

  it('tidy on the backup reports its findings as a dry run', async () => {
    const r = await chefMigrate(['tidy', dir]);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^\d+ findings \(dry run; --fix writes the changes\)$/m);
    // goiardi users have no email; tidy proposes the fix without writing it.
    assert.match(r.stdout, /^fix {4}invalid-user-email users\/alice\.json: /m);
    assert.equal(await exists(join(dir, '.chef-migrate', 'tidy-originals')), false);
  });

  it('tidy on a single-tenant (goiardi) backup finds nothing an operator must act on', async () => {
    const r = await chefMigrate(['tidy', dir]);
    assert.equal(r.code, 0, show(r));
    assert.doesNotMatch(r.stdout, /^ACTION /m);
  });

  it('a YAML config file works in place of flags, and flags override it', async () => {
    const cfg = join(work, 'chef-migrate.yaml');
    await writeFile(
      cfg,
      [
        `serverUrl: ${a.url}`,
        'user: admin',
        `key: ${a.adminKeyPath}`,
        `singleTenantOrg: ${ORG}`,
        'concurrency: 4',
        'json: true',
        '',
      ].join('\n'),
    );
    const fromFile = join(work, 'backup-config');
    const r = await chefMigrate(['backup', fromFile, '--config', cfg]);
    assert.equal(r.code, 0, show(r));
    assert.equal((JSON.parse(r.stdout) as { orgs: string[] }).orgs[0], ORG);
    assert.equal((await readdir(join(fromFile, 'organizations', ORG, 'nodes'))).length, seeded.nodes.length);

    // The file names a server that is not there and another org; the flags win.
    const wrong = join(work, 'wrong.yaml');
    await writeFile(
      wrong,
      [
        'serverUrl: http://127.0.0.1:1',
        'user: nobody',
        `key: ${join(work, 'no-such-key.pem')}`,
        'singleTenantOrg: other',
        '',
      ].join('\n'),
    );
    const overridden = join(work, 'backup-override');
    const o = await chefMigrate(['backup', overridden, '--config', wrong, ...srcFlags(), ...tenant]);
    assert.equal(o.code, 0, show(o));
    assert.match(o.stdout, /^backup of demo: /m);
    assert.equal((await readdir(join(overridden, 'organizations', ORG, 'nodes'))).length, seeded.nodes.length);
    assert.equal(await exists(join(overridden, 'organizations', 'other')), false);
  });

  it('bad input exits 2 with one line naming the problem and writes nothing', async () => {
    const notPem = join(work, 'not-a-key.pem');
    await writeFile(notPem, 'this is not a key\n');
    const missingKey = join(work, 'missing', 'admin.pem');
    const badField = join(work, 'bad-field.yaml');
    await writeFile(badField, `serverUrl: ${a.url}\nuser: admin\nkey: ${a.adminKeyPath}\nconcurency: 5\n`);
    const noSuchBackup = join(work, 'no-such-backup');

    const cases: { name: string; args: (out: string) => string[]; names: string[] }[] = [
      { name: 'unknown flag', args: (out) => ['backup', out, ...srcFlags(), '--frobnicate'], names: ['--frobnicate'] },
      {
        name: 'unknown config field',
        args: (out) => ['backup', out, '--config', badField, ...tenant],
        names: ['concurency', badField],
      },
      {
        name: '--server-url without scheme',
        args: (out) => [
          'backup',
          out,
          '--server-url',
          a.url.replace(/^http:\/\//, ''),
          '--user',
          'admin',
          '--key',
          a.adminKeyPath,
        ],
        names: ['--server-url', 'scheme'],
      },
      {
        name: 'missing key file',
        args: (out) => ['backup', out, '--server-url', a.url, '--user', 'admin', '--key', missingKey, ...tenant],
        names: [missingKey],
      },
      {
        name: 'key file that is not a PEM key',
        args: (out) => ['backup', out, '--server-url', a.url, '--user', 'admin', '--key', notPem, ...tenant],
        names: [notPem, 'PEM'],
      },
      {
        name: '--concurrency 0',
        args: (out) => ['backup', out, ...srcFlags(), ...tenant, '--concurrency', '0'],
        names: ['--concurrency'],
      },
      {
        name: 'restore of a directory that does not exist',
        args: () => ['restore', noSuchBackup, ...dstFlags(), ...tenant],
        names: [noSuchBackup],
      },
      {
        name: 'tidy of a directory that does not exist',
        args: () => ['tidy', noSuchBackup],
        names: [noSuchBackup],
      },
      { name: 'unknown command', args: () => ['bakup', join(work, 'typo')], names: ["'bakup'"] },
    ];

    await Promise.all(
      cases.map(async (c, i) => {
        const out = join(work, `bad-input-${i}`);
        const r = await chefMigrate(c.args(out));
        assert.equal(r.code, 2, `${c.name}: ${show(r)}`);
        const line = oneLine(r);
        assert.match(line, /^chef-migrate: /, c.name);
        for (const n of c.names) assert.ok(line.includes(n), `${c.name}: stderr should name ${n}: ${line}`);
        assert.equal(r.stdout, '', `${c.name}: nothing on stdout`);
        assert.equal(await exists(out), false, `${c.name}: ${out} must not be created`);
      }),
    );
    assert.equal(await exists(noSuchBackup), false, 'restore must not create the directory it was given');
    assert.equal(await exists(join(work, 'typo')), false);
  });

  it('a key the server does not know fails fast, naming server, user and key, without key material', async () => {
    const stranger = join(work, 'stranger.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(stranger, privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), { mode: 0o600 });
    const out = join(work, 'backup-wrong-key');
    const r = await chefMigrate([
      'backup',
      out,
      '--server-url',
      a.url,
      '--user',
      'admin',
      '--key',
      stranger,
      ...tenant,
    ]);
    assert.equal(r.code, 1, show(r));
    const line = oneLine(r);
    assert.ok(line.includes(a.url), `names the server URL: ${line}`);
    assert.ok(line.includes("'admin'"), `names the user: ${line}`);
    assert.ok(line.includes(stranger), `names the key path: ${line}`);
    assert.match(line, /401/);
    assert.doesNotMatch(r.stdout + r.stderr, /BEGIN/);
    assert.doesNotMatch(line, /after \d+ attempts/);
    const budget = minimumRetryBudgetMs();
    assert.ok(r.ms < budget, `returned after ${r.ms} ms; retrying would take at least ${budget} ms`);
    assert.equal(await exists(join(out, 'organizations')), false);
  });

  it('after a role changes on the source, source-vs-destination verify exits 1 naming roles and the role', async () => {
    await srcClient.request('PUT', '/roles/web', { body: { name: 'web', run_list: ['recipe[other]'] } });
    const r = await chefMigrate([
      'verify',
      '--source-url',
      a.url,
      '--source-user',
      'admin',
      '--source-key',
      a.adminKeyPath,
      ...dstFlags(),
      ...tenant,
    ]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stdout, /^1 differences:$/m);
    const diff = r.stdout.split('\n').find((l) => /^\s+changed\s/.test(l));
    assert.ok(diff, show(r));
    assert.match(diff, /\broles web\b/);
    assert.doesNotMatch(r.stdout, /zero differences/);

    const json = await chefMigrate([
      'verify',
      '--source-url',
      a.url,
      '--source-user',
      'admin',
      '--source-key',
      a.adminKeyPath,
      ...dstFlags(),
      ...tenant,
      '--json',
    ]);
    assert.equal(json.code, 1, show(json));
    const report = JSON.parse(json.stdout) as { differences: { kind: string; name: string }[] };
    assert.deepEqual(
      report.differences.map((d) => [d.kind, d.name]),
      [['roles', 'web']],
    );
  });
});
