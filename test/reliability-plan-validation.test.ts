import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { startDevServer, type DevServer } from '../client/dev-server';
import { chefMigrate, listWorkflowIds, run, CHEF_MIGRATE, type RunResult } from './fixtures/reliability/processes';

/**
 * `chef-migrate start --config PLAN` with a bad plan: exit 2, one stderr line naming the field and the fix, and
 * nothing started on the Temporal server. A good plan starts once; the second start is refused.
 */
const NOBODY = 65534;

describe('chef-migrate start validates the plan before it starts anything', () => {
  let server: DevServer;
  let dir: string;
  let key: string;
  const t0 = Date.now();

  /** A plan that starts; each case breaks one thing. Loopback URLs: nothing is contacted by `start`. */
  const goodPlan = () => ({
    id: 'plan-validation',
    source: { url: 'http://127.0.0.1:9', webuiKey: key },
    destination: { url: 'http://127.0.0.1:10', webuiKey: key },
    backupDir: join(dir, 'backup'),
    concurrency: { backup: 50, restore: 10 },
    cutover: { chefServerUrl: 'https://chef-ha.example.com/organizations/{org}' },
  });

  const writePlan = async (name: string, plan: unknown): Promise<string> => {
    const file = join(dir, `${name}.yml`);
    await writeFile(file, typeof plan === 'string' ? plan : stringify(plan), { mode: 0o644 });
    return file;
  };

  const start = (file: string, asNobody = false): Promise<RunResult> =>
    asNobody
      ? run('setpriv', [
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          '--clear-groups',
          'env',
          `TEMPORAL_ADDRESS=${server.address}`,
          'HOME=/tmp',
          process.execPath,
          CHEF_MIGRATE,
          'start',
          '--config',
          file,
        ])
      : chefMigrate(['start', '--config', file], server.address);

  /** Exit 2, nothing on stdout, exactly one line on stderr that matches every pattern. */
  const assertRefused = (r: RunResult, ...patterns: RegExp[]): string => {
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    assert.equal(r.code, 2, `exit status 2; stderr: ${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing on stdout');
    assert.equal(lines.length, 1, `one stderr line, got:\n${r.stderr}`);
    const line = lines[0] ?? '';
    assert.match(line, /^chef-migrate: /);
    assert.doesNotMatch(line, /\n|^\s+at /, 'no stack trace');
    for (const p of patterns) assert.match(line, p);
    return line;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cm-plan-validation-'));
    // Readable by the unprivileged user of the chmod-000 case (the plans and the good key; not the locked key).
    await chmod(dir, 0o755);
    key = join(dir, 'webui_priv.pem');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    await writeFile(key, privateKey, { mode: 0o644 });
    server = await startDevServer({ headless: true });
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    console.log(`[plan validation] ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
  });

  it('refuses every broken plan with exit 2 and one line naming the field and the fix, starting nothing', async () => {
    // Each CLI run takes seconds to load: the cases run a few at a time, and are checked as they end.
    const pending: (() => Promise<string>)[] = [];
    const refuse = (name: string, plan: unknown, ...patterns: RegExp[]) =>
      void pending.push(async () => `${name}: ${assertRefused(await start(await writePlan(name, plan)), ...patterns)}`);

    refuse(
      'wrong-type',
      { ...goodPlan(), concurrency: { backup: 'fifty' } },
      /field 'concurrency\.backup'/,
      /expected number/,
    );
    refuse(
      'wrong-type-read-all-nodes',
      { ...goodPlan(), incremental: { readAllNodes: 'yes' } },
      /field 'incremental\.readAllNodes'/,
      /expected boolean/,
    );
    refuse(
      'unknown-field',
      { ...goodPlan(), concurency: { backup: 5 } },
      /unknown field 'concurency'/,
      /check the spelling/,
    );
    refuse(
      'unknown-nested-field',
      { ...goodPlan(), tidy: { fix: false, requireAproval: false } },
      /unknown field 'requireAproval' in 'tidy'/,
      /check the spelling/,
    );
    const missing = join(dir, 'no-such-key.pem');
    refuse(
      'missing-key',
      { ...goodPlan(), source: { url: 'http://127.0.0.1:9', webuiKey: missing } },
      /source\.webuiKey/,
      new RegExp(`cannot read ${missing} \\(ENOENT\\)`),
      /give the path of the private key file/,
    );
    // Unreadable key files. As root, chmod 000 does not stop reads, so these are a directory in the key's place,
    // and a file that holds no PEM key; the real chmod 000 case follows below, run as an unprivileged user.
    const keyDir = join(dir, 'a-directory.pem');
    await mkdir(keyDir);
    refuse(
      'key-is-a-directory',
      { ...goodPlan(), destination: { url: 'http://127.0.0.1:10', user: 'admin', key: keyDir } },
      /destination\.key/,
      /cannot read .*a-directory\.pem \(EISDIR\)/,
      /give the path of the private key file/,
    );
    const notPem = join(dir, 'not-a-key.pem');
    await writeFile(notPem, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ2 someone@example.com\n', { mode: 0o644 });
    refuse(
      'key-not-pem',
      { ...goodPlan(), source: { url: 'http://127.0.0.1:9', webuiKey: notPem } },
      /source\.webuiKey/,
      /holds no PEM private key/,
    );
    refuse(
      'url-without-scheme',
      { ...goodPlan(), source: { url: 'chef-old.example.com', webuiKey: key } },
      /field 'source\.url'/,
      /must be a URL with its scheme, e\.g\. https:\/\//,
    );
    refuse(
      'missing-cutover-url',
      { ...goodPlan(), cutover: { roles: ['base'] } },
      /field 'cutover\.chefServerUrl'/,
      /missing; add it to the plan/,
    );
    // The plan travels in every workflow history: a database password in it would be stored there too.
    refuse(
      'ledger-url-with-password',
      { ...goodPlan(), ledgerUrl: 'postgres://chef_migrate:s3cret-ledger-pw@127.0.0.1:5432/chef_migrate' },
      /field 'ledgerUrl'/,
      /holds a password/,
      /give it to the worker as PGPASSWORD/,
    );
    refuse(
      'invalid-yaml',
      'id: broken\nsource: { url: http://127.0.0.1:9, webuiKey: [ }\n',
      /invalid-yaml\.yml is not valid YAML/,
      /line \d+, column \d+/,
    );

    // chmod 000 for real: the CLI as an unprivileged user when this test runs as root.
    const locked = join(dir, 'locked.pem');
    await copyFile(key, locked);
    await chmod(locked, 0o000);
    const lockedPlan = await writePlan('key-mode-000', {
      ...goodPlan(),
      source: { url: 'http://127.0.0.1:9', webuiKey: locked },
    });
    const asRoot = process.getuid?.() === 0;
    pending.push(
      async () =>
        `key-mode-000${asRoot ? ' (as nobody)' : ''}: ${assertRefused(
          await start(lockedPlan, asRoot),
          /source\.webuiKey/,
          /cannot read .*locked\.pem \(EACCES\)/,
          /give the path of the private key file/,
        )}`,
    );
    const shown: string[] = [];
    const next = pending.entries();
    const lane = async () => {
      for (const [i, run] of next) shown[i] = await run();
    };
    await Promise.all([lane(), lane(), lane()]);
    assert.equal(shown.length, 12);
    assert.ok(!shown.join('\n').includes('s3cret-ledger-pw'), 'the refusal does not echo the password');

    assert.deepEqual(await listWorkflowIds(server.address), [], 'no workflow was started');
    console.log(`[plan validation] refusals:\n  ${shown.join('\n  ')}`);
  });

  it('starts a valid plan (workflow id and UI link), then refuses a second start naming the id', async () => {
    const file = await writePlan('good', goodPlan());
    const first = await start(file);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '');
    assert.match(first.stdout, /^started migration-plan-validation$/m);
    assert.match(
      first.stdout,
      /^watch it: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/migration-plan-validation$/m,
    );
    assert.deepEqual(await listWorkflowIds(server.address), ['migration-plan-validation']);

    const again = await start(file);
    assertRefused(again, /'plan-validation' already exists \(migration-plan-validation\)/, /give the plan another id/);
    assert.deepEqual(await listWorkflowIds(server.address), ['migration-plan-validation'], 'still one workflow');
  });
});
