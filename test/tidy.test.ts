import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { tidyBackup, type TidyFinding, type TidyReport } from '../activities/tidy';

type Files = Record<string, unknown>;

const tempDirs: string[] = [];
after(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const pretty = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Writes a backup: string values are written verbatim (non-JSON files, broken JSON), anything else as pretty JSON. */
async function writeBackup(files: Files): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tidy-test-'));
  tempDirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    if (content === undefined) continue;
    const file = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, typeof content === 'string' ? content : pretty(content));
  }
  return dir;
}

/** Every file under dir (sidecar included) with its bytes, keyed by POSIX relative path. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else out.set(child, (await readFile(path.join(dir, child))).toString('base64'));
    }
  };
  await walk('');
  return out;
}

const readJson = async (dir: string, rel: string): Promise<unknown> =>
  JSON.parse(await readFile(path.join(dir, rel), 'utf8')) as unknown;
const readText = (dir: string, rel: string): Promise<string> => readFile(path.join(dir, rel), 'utf8');
const original = (dir: string, rel: string): Promise<string> => readText(dir, `.chef-migrate/tidy-originals/${rel}`);

const ORG = 'organizations/acme';
const aces = (actors: string[], groups: string[], read: string[] = groups) => ({
  create: { actors, groups },
  read: { actors, groups: read },
  update: { actors, groups },
  delete: { actors, groups },
  grant: { actors, groups },
});
const userAcl = (user: string, orgs: string[] = ['acme']) =>
  aces(['pivotal', user], ['::server-admins'], ['::server-admins', ...orgs.map((org) => `::${org}_read_access_group`)]);
const clientAcl = (client: string) => aces(['pivotal', client], ['admins'], ['admins', 'users']);
const group = (name: string, users: string[] = [], clients: string[] = []) => ({
  name,
  groupname: name,
  orgname: 'acme',
  users,
  clients,
  groups: [],
});

/** A backup with nothing to tidy: two members, two clients, a role, a node, cookbooks of every shape. */
function cleanBackup(): Files {
  return {
    'users/pivotal.json': { username: 'pivotal', email: 'root@localhost.localdomain' },
    'users/alice.json': { username: 'alice', email: 'alice@example.com', display_name: 'Alice' },
    'users/bob.json': { username: 'bob', email: 'bob@example.com', display_name: 'Bob' },
    'user_acls/alice.json': userAcl('alice'),
    'user_acls/bob.json': userAcl('bob'),
    [`${ORG}/org.json`]: { name: 'acme', full_name: 'Acme Inc.', guid: '0123456789abcdef0123456789abcdef' },
    [`${ORG}/members.json`]: [{ user: { username: 'alice' } }, { user: { username: 'bob' } }],
    [`${ORG}/invitations.json`]: [],
    [`${ORG}/groups/admins.json`]: group('admins', ['alice', 'pivotal']),
    [`${ORG}/groups/billing-admins.json`]: group('billing-admins', ['alice']),
    [`${ORG}/groups/users.json`]: group('users', ['alice', 'bob', 'pivotal']),
    [`${ORG}/groups/clients.json`]: group('clients', [], ['acme-validator', 'web01']),
    [`${ORG}/clients/acme-validator.json`]: { name: 'acme-validator', validator: true, public_key: 'KEY' },
    [`${ORG}/clients/web01.json`]: { name: 'web01', validator: false, public_key: 'KEY' },
    [`${ORG}/acls/organization.json`]: aces(['pivotal'], ['admins', 'billing-admins']),
    [`${ORG}/acls/clients/acme-validator.json`]: clientAcl('acme-validator'),
    [`${ORG}/acls/clients/web01.json`]: clientAcl('web01'),
    [`${ORG}/acls/nodes/web01.json`]: aces(['pivotal', 'web01', 'alice'], ['admins', 'users']),
    [`${ORG}/acls/roles/web.json`]: aces(
      ['pivotal'],
      ['admins', 'users', '::server-admins'],
      ['::acme_read_access_group'],
    ),
    [`${ORG}/acls/groups/admins.json`]: aces(['pivotal'], ['admins']),
    [`${ORG}/roles/web.json`]: {
      name: 'web',
      run_list: ['recipe[apache2]', 'role[base]', 'recipe[ntp@1.2.0]'],
      env_run_lists: { prod: ['recipe[apache2::mod_ssl]'] },
    },
    [`${ORG}/nodes/web01.json`]: { name: 'web01', run_list: ['role[web]'], automatic: { fqdn: 'web01.acme' } },
    [`${ORG}/environments/_default.json`]: { name: '_default' },
    [`${ORG}/cookbooks/apache2-1.2.3/metadata.json`]: {
      name: 'apache2',
      version: '1.2.3',
      dependencies: { apt: '>= 2.0' },
      platforms: { ubuntu: '>= 0.0.0' },
    },
    [`${ORG}/cookbooks/apache2-1.2.3/recipes/default.rb`]: "package 'apache2'\n",
    [`${ORG}/cookbooks/apache2-1.2.3/files/default/broken.json`]: '{ uploaded as bytes, never parsed',
    [`${ORG}/cookbooks/apache2-1.2.3/status.json`]: { frozen: true },
    [`${ORG}/cookbooks/legacy-0.1.0/metadata.rb`]: "name 'legacy'\nversion '0.1.0'\ndepends 'apache2'\n",
    [`${ORG}/cookbook_artifacts/apache2-0123456789abcdef/metadata.json`]: { name: 'apache2', version: '1.2.3' },
    '.chef-migrate/state.json': '{ "our own sidecar, never scanned',
  };
}

interface Run {
  dir: string;
  before: Map<string, string>;
  dry: TidyReport;
  fixed: TidyReport;
  again: TidyReport;
}

/**
 * Dry run (must not touch a byte), fix run (must report the same findings), second fix run (nothing fixable left);
 * originals saved for every changed file that existed before.
 */
async function dryThenFix(files: Files, orgs?: string[]): Promise<Run> {
  const dir = await writeBackup(files);
  const before = await snapshot(dir);
  const dry = await tidyBackup(dir, { orgs });
  assert.equal(dry.fixed, false);
  assert.deepEqual(dry.filesChanged, []);
  assert.deepEqual(await snapshot(dir), before, 'a dry run changes nothing');

  const fixed = await tidyBackup(dir, { fix: true, orgs });
  assert.equal(fixed.fixed, true);
  assert.deepEqual(fixed.findings, dry.findings, 'a dry run reports what a fix run does');
  for (const rel of fixed.filesChanged) {
    const saved = before.get(rel);
    if (saved !== undefined) assert.equal(Buffer.from(saved, 'base64').toString('utf8'), await original(dir, rel));
    assert.equal(await readText(dir, rel).then((text) => text.endsWith('\n')), true);
  }
  const leftovers = [...(await snapshot(dir)).keys()].filter((rel) => rel.endsWith('.tmp'));
  assert.deepEqual(leftovers, [], 'no temp files left behind');

  const again = await tidyBackup(dir, { fix: true, orgs });
  assert.deepEqual(
    again.findings.filter((finding) => finding.change !== undefined),
    [],
    'a second fix run finds nothing fixable',
  );
  assert.deepEqual(again.filesChanged, []);
  return { dir, before, dry, fixed, again };
}

const summary = (findings: TidyFinding[]): string[] =>
  findings.map((finding) => `${finding.rule} ${finding.severity} ${finding.file}`).sort();

void describe('tidyBackup', () => {
  void test('a clean backup has no findings and a fix run writes nothing', async () => {
    const { dry, fixed } = await dryThenFix(cleanBackup());
    assert.deepEqual(dry.findings, []);
    assert.deepEqual(fixed.filesChanged, []);
  });

  void test('an unparsable JSON file is one invalid-json finding, skipped by every other rule', async () => {
    const files = { ...cleanBackup(), [`${ORG}/members.json`]: '[{"user": {"username": "alice"}' };
    const { dry, dir } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [`invalid-json action-needed ${ORG}/members.json`]);
    const [finding] = dry.findings;
    assert.match(finding?.message ?? '', /members\.json is not valid JSON: .+/);
    assert.equal(finding?.change, undefined);
    assert.equal(await readText(dir, `${ORG}/members.json`), '[{"user": {"username": "alice"}');
  });

  void test('bad and duplicate emails get placeholders; the alphabetically first owner keeps its email', async () => {
    const files = {
      ...cleanBackup(),
      'users/bob.json': { username: 'bob', email: 'ALICE@example.com' },
      'users/carol.json': { username: 'carol' },
      'users/dave.json': { username: 'dave', email: 'not an email' },
      'user_acls/carol.json': userAcl('carol', []),
      'user_acls/dave.json': userAcl('dave', []),
    };
    const { dry, dir, before, fixed } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [
      'duplicate-user-email fix users/bob.json',
      'invalid-user-email fix users/carol.json',
      'invalid-user-email fix users/dave.json',
    ]);
    assert.match(dry.findings.find((f) => f.file === 'users/bob.json')?.message ?? '', /bob.*alice/);
    assert.deepEqual(await readJson(dir, 'users/bob.json'), { username: 'bob', email: 'bob@invalid.example' });
    assert.deepEqual(await readJson(dir, 'users/carol.json'), { username: 'carol', email: 'carol@invalid.example' });
    assert.deepEqual(await readJson(dir, 'users/dave.json'), { username: 'dave', email: 'dave@invalid.example' });
    assert.equal((await snapshot(dir)).get('users/alice.json'), before.get('users/alice.json'));
    assert.deepEqual(fixed.filesChanged, ['users/bob.json', 'users/carol.json', 'users/dave.json']);
    assert.equal(await original(dir, 'users/dave.json'), pretty({ username: 'dave', email: 'not an email' }));
  });

  void test('org.json is reduced to name/full_name/guid, written pretty with a trailing newline', async () => {
    const files = {
      ...cleanBackup(),
      [`${ORG}/org.json`]: {
        name: 'acme',
        full_name: 'Acme Inc.',
        guid: 'abc',
        org_type: 'Business',
        billing_plan: 'platform-free',
        assigned_at: '2014-01-01',
      },
    };
    const { dry, dir } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [`org-json-extra-fields fix ${ORG}/org.json`]);
    assert.match(dry.findings[0]?.message ?? '', /acme.*org_type, billing_plan, assigned_at/);
    assert.equal(
      await readText(dir, `${ORG}/org.json`),
      '{\n  "name": "acme",\n  "full_name": "Acme Inc.",\n  "guid": "abc"\n}\n',
    );
  });

  void test('invitations for null or unknown users and members not in users/ are removed', async () => {
    const files = {
      ...cleanBackup(),
      [`${ORG}/invitations.json`]: [
        { id: 'a1', username: 'bob' },
        { id: 'a2', username: null },
        { id: 'a3', username: 'ghost' },
      ],
      [`${ORG}/members.json`]: [
        { user: { username: 'alice' } },
        { user: { username: 'bob' } },
        { user: { username: 'gone' } },
      ],
    };
    const { dry, dir } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [
      `invitation-unknown-user fix ${ORG}/invitations.json`,
      `invitation-unknown-user fix ${ORG}/invitations.json`,
      `member-unknown-user fix ${ORG}/members.json`,
    ]);
    assert.deepEqual(await readJson(dir, `${ORG}/invitations.json`), [{ id: 'a1', username: 'bob' }]);
    assert.deepEqual(await readJson(dir, `${ORG}/members.json`), [
      { user: { username: 'alice' } },
      { user: { username: 'bob' } },
    ]);
  });

  void test('the clients group gets every client, and client ACLs get their defaults', async () => {
    const files = {
      ...cleanBackup(),
      [`${ORG}/groups/clients.json`]: { ...group('clients', [], ['web01']), actors: ['web01'] },
      [`${ORG}/clients/db01.json`]: { name: 'db01', public_key: 'KEY' },
      [`${ORG}/acls/clients/web01.json`]: aces(['pivotal', 'web01'], ['admins']),
    };
    const { dry, dir } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [
      `client-acl-missing-defaults fix ${ORG}/acls/clients/db01.json`,
      `client-acl-missing-defaults fix ${ORG}/acls/clients/web01.json`,
      `clients-group-missing-clients fix ${ORG}/groups/clients.json`,
    ]);
    const clientsGroup = (await readJson(dir, `${ORG}/groups/clients.json`)) as { clients: string[]; actors: string[] };
    assert.deepEqual(clientsGroup.clients, ['web01', 'acme-validator', 'db01']);
    assert.deepEqual(clientsGroup.actors, ['web01', 'acme-validator', 'db01']);
    const web01 = (await readJson(dir, `${ORG}/acls/clients/web01.json`)) as { read: { groups: string[] } };
    assert.deepEqual(web01.read.groups, ['admins', 'users']);
    assert.deepEqual(await readJson(dir, `${ORG}/acls/clients/db01.json`), {
      create: { actors: ['pivotal', 'acme-validator', 'db01'], groups: ['admins'] },
      read: { actors: ['pivotal', 'acme-validator', 'db01'], groups: ['admins', 'users'] },
      update: { actors: ['pivotal', 'db01'], groups: ['admins'] },
      delete: { actors: ['pivotal', 'db01'], groups: ['admins', 'users'] },
      grant: { actors: ['pivotal', 'db01'], groups: ['admins'] },
    });
  });

  void test('ACL actors: global users join the org, dangling ones are dropped, ambiguous ones reported', async () => {
    const files = {
      ...cleanBackup(),
      // carol is a global user outside the org: knife-tidy adds her to members, which then needs the org's
      // read-access group on her user ACL (two rules composing on the same run).
      'users/carol.json': { username: 'carol', email: 'carol@example.com' },
      'user_acls/carol.json': userAcl('carol', []),
      // "both" is a member and also a client of the same name.
      'users/both.json': { username: 'both', email: 'both@example.com' },
      'user_acls/both.json': userAcl('both'),
      [`${ORG}/members.json`]: [
        { user: { username: 'alice' } },
        { user: { username: 'bob' } },
        { user: { username: 'both' } },
      ],
      [`${ORG}/clients/both.json`]: { name: 'both', public_key: 'KEY' },
      [`${ORG}/acls/clients/both.json`]: clientAcl('both'),
      [`${ORG}/groups/clients.json`]: group('clients', [], ['acme-validator', 'both', 'web01']),
      [`${ORG}/acls/nodes/web01.json`]: aces(['pivotal', 'web01', 'carol', 'ghost', 'both'], ['admins']),
    };
    const { dry, dir, again } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [
      `acl-unknown-actor action-needed ${ORG}/acls/clients/both.json`,
      `acl-unknown-actor action-needed ${ORG}/acls/nodes/web01.json`,
      `acl-unknown-actor action-needed ${ORG}/acls/nodes/web01.json`,
      `acl-unknown-actor fix ${ORG}/members.json`,
      'user-acl-server-admins fix user_acls/carol.json',
    ]);
    const ambiguous = dry.findings.find((f) => f.file.endsWith('nodes/web01.json') && f.message.includes('both'));
    assert.equal(ambiguous?.change, undefined);
    const dangling = dry.findings.find((f) => f.message.includes('ghost'));
    assert.equal(dangling?.change, 'remove ghost from the ACL');
    assert.match(dangling?.message ?? '', /node web01/);

    assert.deepEqual(await readJson(dir, `${ORG}/members.json`), [
      { user: { username: 'alice' } },
      { user: { username: 'bob' } },
      { user: { username: 'both' } },
      { user: { username: 'carol' } },
    ]);
    const acl = (await readJson(dir, `${ORG}/acls/nodes/web01.json`)) as Record<string, { actors: string[] }>;
    for (const perm of ['create', 'read', 'update', 'delete', 'grant']) {
      assert.deepEqual(acl[perm]?.actors, ['pivotal', 'web01', 'carol', 'both']);
    }
    const carolAcl = (await readJson(dir, 'user_acls/carol.json')) as { read: { groups: string[] } };
    assert.deepEqual(carolAcl.read.groups, ['::server-admins', '::acme_read_access_group']);
    // The ambiguous actor needs a human; it stays reported, with nothing to fix.
    assert.deepEqual(summary(again.findings), [
      `acl-unknown-actor action-needed ${ORG}/acls/clients/both.json`,
      `acl-unknown-actor action-needed ${ORG}/acls/nodes/web01.json`,
    ]);
  });

  void test('ACL groups that do not exist are removed, the global groups stay', async () => {
    const files = {
      ...cleanBackup(),
      [`${ORG}/acls/roles/web.json`]: aces(
        ['pivotal'],
        ['admins', 'old-team', '::server-admins', '::acme_read_access_group', '::acme_global_admins'],
      ),
    };
    const { dry, dir } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [
      `acl-unknown-group fix ${ORG}/acls/roles/web.json`,
      `acl-unknown-group fix ${ORG}/acls/roles/web.json`,
    ]);
    assert.match(dry.findings[0]?.message ?? '', /role web.*old-team/);
    const acl = (await readJson(dir, `${ORG}/acls/roles/web.json`)) as { grant: { groups: string[] } };
    assert.deepEqual(acl.grant.groups, ['admins', '::server-admins', '::acme_read_access_group']);
  });

  void test('missing user ACLs are written, existing ones get ::server-admins and the read-access group', async () => {
    const alice = userAcl('alice');
    const files = {
      ...cleanBackup(),
      'user_acls/bob.json': undefined,
      'user_acls/alice.json': {
        ...alice,
        read: { actors: ['pivotal', 'alice'], groups: [] },
        grant: { actors: ['pivotal', 'alice'], groups: [] },
      },
    };
    const { dry, dir } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [
      'user-acl-missing fix user_acls/bob.json',
      'user-acl-server-admins fix user_acls/alice.json',
    ]);
    assert.deepEqual(await readJson(dir, 'user_acls/bob.json'), userAcl('bob'));
    assert.deepEqual(await readJson(dir, 'user_acls/alice.json'), alice);
    // pivotal's user ACL is never restored, so it is not required.
    assert.equal(
      dry.findings.some((f) => f.file.includes('pivotal')),
      false,
    );
  });

  void test('run lists are normalised: bare names become recipes, duplicates and unparsable items go', async () => {
    const files = {
      ...cleanBackup(),
      [`${ORG}/roles/web.json`]: {
        name: 'web',
        run_list: ['apache2', 'recipe[apache2]', 'role[base]', 'Recipe[bad]', 'ntp@1.2.0', 7],
        env_run_lists: { prod: ['mysql', 'recipe[mysql]'], dev: ['recipe[mysql]'] },
      },
      [`${ORG}/nodes/web01.json`]: { name: 'web01', run_list: ['base::users', 'recipe[base::users]', 'role[web]'] },
    };
    const { dry, dir } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [
      `run-list-item fix ${ORG}/nodes/web01.json`,
      `run-list-item fix ${ORG}/roles/web.json`,
      `run-list-item fix ${ORG}/roles/web.json`,
    ]);
    assert.deepEqual(await readJson(dir, `${ORG}/roles/web.json`), {
      name: 'web',
      run_list: ['recipe[apache2]', 'role[base]', 'recipe[ntp@1.2.0]'],
      env_run_lists: { prod: ['recipe[mysql]'], dev: ['recipe[mysql]'] },
    });
    const node = (await readJson(dir, `${ORG}/nodes/web01.json`)) as { run_list: string[] };
    assert.deepEqual(node.run_list, ['recipe[base::users]', 'role[web]']);
  });

  void test('cookbook metadata: name, version, self-dependency, nulls, platforms, no metadata, Ruby code', async () => {
    const cb = `${ORG}/cookbooks`;
    const sugarRb = [
      "require File.expand_path('../lib/chef/sugar/version', __FILE__)",
      "name 'chef-sugar'",
      'version Chef::Sugar::VERSION',
      "long_description IO.read(File.join(File.dirname(__FILE__), 'README.md'))",
      "depends 'chef-sugar'",
      "depends 'apt'",
      '',
    ].join('\n');
    const files = {
      ...cleanBackup(),
      [`${cb}/badname/recipes/default.rb`]: '',
      [`${cb}/nometa-1.0.0/recipes/default.rb`]: '',
      [`${cb}/wrong-2.0.0/metadata.json`]: {
        name: 'right',
        version: '1.0.0',
        maintainer: null,
        dependencies: { wrong: '>= 0.0.0', apt: '>= 1.0' },
        platforms: { '': '>= 0.0.0', ubuntu: [], 'debian, centos': '>= 0.0.0', redhat: '>= 6.0' },
      },
      [`${cb}/chef-sugar-3.0.0/metadata.rb`]: sugarRb,
      [`${cb}/renamed-1.0.0/metadata.rb`]: "name 'old'\nversion '0.9.0'\n",
      [`${ORG}/cookbook_artifacts/apache2-0123456789abcdef/metadata.json`]: { name: 'apache', version: '1.2.3' },
    };
    const { dry, dir } = await dryThenFix(files);
    assert.deepEqual(summary(dry.findings), [
      `cookbook-metadata action-needed ${cb}/badname`,
      `cookbook-metadata action-needed ${cb}/chef-sugar-3.0.0/metadata.rb`,
      `cookbook-metadata action-needed ${cb}/chef-sugar-3.0.0/metadata.rb`,
      `cookbook-metadata action-needed ${cb}/chef-sugar-3.0.0/metadata.rb`,
      `cookbook-metadata action-needed ${cb}/nometa-1.0.0/metadata.json`,
      `cookbook-metadata fix ${ORG}/cookbook_artifacts/apache2-0123456789abcdef/metadata.json`,
      `cookbook-metadata fix ${cb}/chef-sugar-3.0.0/metadata.rb`,
      `cookbook-metadata fix ${cb}/renamed-1.0.0/metadata.rb`,
      `cookbook-metadata fix ${cb}/renamed-1.0.0/metadata.rb`,
      `cookbook-metadata fix ${cb}/wrong-2.0.0/metadata.json`,
      `cookbook-metadata fix ${cb}/wrong-2.0.0/metadata.json`,
      `cookbook-metadata fix ${cb}/wrong-2.0.0/metadata.json`,
      `cookbook-metadata fix ${cb}/wrong-2.0.0/metadata.json`,
      `cookbook-metadata fix ${cb}/wrong-2.0.0/metadata.json`,
      `cookbook-metadata fix ${cb}/wrong-2.0.0/metadata.json`,
    ]);
    const rubyFindings = dry.findings.filter((f) => f.severity === 'action-needed' && f.file.endsWith('metadata.rb'));
    assert.match(rubyFindings[0]?.message ?? '', /chef-sugar 3\.0\.0, line 1 \(require File\.expand_path/);
    assert.match(
      rubyFindings[1]?.message ?? '',
      /line 3 \(version Chef::Sugar::VERSION\) computes the version.*3\.0\.0/,
    );
    assert.match(rubyFindings[2]?.message ?? '', /line 4 \(long_description IO\.read/);

    assert.deepEqual(await readJson(dir, `${cb}/wrong-2.0.0/metadata.json`), {
      name: 'wrong',
      version: '2.0.0',
      dependencies: { apt: '>= 1.0' },
      platforms: { ubuntu: '>= 0.0.0', redhat: '>= 6.0' },
    });
    assert.deepEqual(await readJson(dir, `${cb}/nometa-1.0.0/metadata.json`), {
      name: 'nometa',
      version: '1.0.0',
      dependencies: {},
    });
    assert.deepEqual(await readJson(dir, `${ORG}/cookbook_artifacts/apache2-0123456789abcdef/metadata.json`), {
      name: 'apache2',
      version: '1.2.3',
    });
    assert.equal(
      await readText(dir, `${cb}/chef-sugar-3.0.0/metadata.rb`),
      sugarRb.replace("depends 'chef-sugar'", "# depends 'chef-sugar' # self-dependency removed by chef-migrate tidy"),
    );
    assert.equal(await readText(dir, `${cb}/renamed-1.0.0/metadata.rb`), "name 'renamed'\nversion '1.0.0'\n");
    assert.equal(await original(dir, `${cb}/renamed-1.0.0/metadata.rb`), "name 'old'\nversion '0.9.0'\n");
  });

  void test('the oldest original survives repeated fix runs', async () => {
    const dir = await writeBackup({
      ...cleanBackup(),
      [`${ORG}/org.json`]: { name: 'acme', full_name: 'A', org_type: 'x' },
    });
    await tidyBackup(dir, { fix: true });
    const first = await original(dir, `${ORG}/org.json`);
    assert.equal(first, pretty({ name: 'acme', full_name: 'A', org_type: 'x' }));
    await writeFile(path.join(dir, ORG, 'org.json'), pretty({ name: 'acme', full_name: 'A', billing_plan: 'y' }));
    const second = await tidyBackup(dir, { fix: true });
    assert.deepEqual(second.filesChanged, [`${ORG}/org.json`]);
    assert.equal(await original(dir, `${ORG}/org.json`), first);
    assert.deepEqual(await readJson(dir, `${ORG}/org.json`), { name: 'acme', full_name: 'A' });
  });

  void test('orgs limits the organizations checked; an org not in the backup is an error', async () => {
    const files = { ...cleanBackup(), 'organizations/other/org.json': { name: 'other', org_type: 'Business' } };
    const { dry } = await dryThenFix(files, ['acme']);
    assert.deepEqual(dry.findings, []);
    const all = await tidyBackup(await writeBackup(files));
    assert.deepEqual(summary(all.findings), [
      'clients-group-missing-clients action-needed organizations/other/groups/clients.json',
      'org-file-missing action-needed organizations/other/invitations.json',
      'org-file-missing action-needed organizations/other/members.json',
      'org-json-extra-fields fix organizations/other/org.json',
    ]);
    await assert.rejects(tidyBackup(await writeBackup(files), { orgs: ['nope'] }), /nope/);
  });
});
