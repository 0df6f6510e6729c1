import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { RequestSigner, type SignVersion } from '../activities/chef-api/signing';
import { startChefDouble, type ChefDouble } from './chef-double';

interface CallOptions {
  method?: string;
  body?: unknown;
  /** X-Ops-Userid; pivotal unless given. */
  user?: string;
  key?: string;
  version?: SignVersion;
  apiVersion?: string;
  headers?: Record<string, string>;
  timestamp?: Date;
}

interface Answer {
  status: number;
  headers: Headers;
  // Tests inspect loosely-typed Chef JSON.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

let chef: ChefDouble;
let pivotalKey: string;
let webuiKey: string;

/** A signed request the way Chef's HTTP client builds it; `path` may carry a query string. */
async function call(path: string, opts: CallOptions = {}): Promise<Answer> {
  const method = opts.method ?? 'GET';
  const body = opts.body === undefined ? '' : JSON.stringify(opts.body);
  const apiVersion = opts.apiVersion ?? '0';
  const signer = new RequestSigner(opts.key ?? pivotalKey, opts.version ?? '1.3');
  const signed = await signer.sign({
    method,
    path: path.split('?')[0] as string,
    body,
    userId: opts.user ?? 'pivotal',
    apiVersion,
    timestamp: opts.timestamp,
  });
  const res = await fetch(`${chef.url}${path}`, {
    method,
    body: body === '' ? undefined : body,
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'X-Ops-Server-API-Version': apiVersion,
      ...signed,
      ...opts.headers,
    },
  });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.includes('json') ?? false;
  return { status: res.status, headers: res.headers, body: isJson ? JSON.parse(text) : text };
}

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest();

before(async () => {
  chef = await startChefDouble();
  pivotalKey = await readFile(chef.pivotalKeyPath, 'utf8');
  webuiKey = await readFile(chef.webuiKeyPath, 'utf8');
});

after(async () => {
  await chef.stop();
});

/** The key re-exported as PKCS#1 PEM: equal to the (trimmed) input only when it is an RSA key in that form. */
const asPkcs1Pem = (pem: string) => String(createPrivateKey(pem).export({ type: 'pkcs1', format: 'pem' })).trim();

void describe('authentication', () => {
  void test('key files are PKCS#1 PEM with mode 0600', async () => {
    assert.equal(asPkcs1Pem(pivotalKey), pivotalKey.trim());
    assert.equal(asPkcs1Pem(webuiKey), webuiKey.trim());
    assert.equal((await stat(chef.pivotalKeyPath)).mode & 0o777, 0o600);
  });

  for (const version of ['1.0', '1.1', '1.3'] as const) {
    void test(`accepts protocol ${version}`, async () => {
      const res = await call('/users', { version });
      assert.equal(res.status, 200);
      assert.equal(res.body.pivotal, `${chef.url}/users/pivotal`);
    });
  }

  void test('accepts X-Ops-Sign without the trailing semicolon', async () => {
    const res = await call('/users', { version: '1.1', headers: { 'X-Ops-Sign': 'algorithm=sha1;version=1.1' } });
    assert.equal(res.status, 200);
  });

  void test('a wrong key is 401 with a helpful message', async () => {
    const res = await call('/users', { key: webuiKey });
    assert.equal(res.status, 401);
    assert.match(res.body.error[0], /Failed to authenticate as 'pivotal'\. Ensure that your node_name and client key/);
  });

  void test('an unknown user is 401', async () => {
    const res = await call('/users', { user: 'nobody' });
    assert.equal(res.status, 401);
    assert.match(res.body.error[0], /'nobody'/);
  });

  void test('a skewed clock is 401 naming the times', async () => {
    const res = await call('/users', { timestamp: new Date(Date.now() - 20 * 60 * 1000) });
    assert.equal(res.status, 401);
    assert.match(res.body.error[0], /clock/);
    assert.match(res.body.error[0], /server time \d{4}-/);
  });

  void test('unsigned requests are 401, except /_status', async () => {
    assert.equal((await fetch(`${chef.url}/users`)).status, 401);
    const status = await fetch(`${chef.url}/_status`);
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { status: string }).status, 'pong');
  });

  void test('webui key impersonation, 1.1 and 1.3', async () => {
    for (const version of ['1.1', '1.3'] as const) {
      const res = await call('/users/pivotal', { key: webuiKey, version, headers: { 'X-Ops-Request-Source': 'web' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.username, 'pivotal');
    }
  });

  void test('API versions: v0 embeds public_key, v1 does not, v3 is 406', async () => {
    const v0 = await call('/users/pivotal');
    assert.match(v0.body.public_key, /BEGIN PUBLIC KEY/);
    assert.deepEqual(JSON.parse(v0.headers.get('x-ops-server-api-version') ?? ''), {
      min_version: '0',
      max_version: '2',
      request_version: '0',
      response_version: '0',
    });
    const v1 = await call('/users/pivotal', { apiVersion: '1' });
    assert.equal(v1.body.public_key, undefined);
    const v3 = await call('/users/pivotal', { apiVersion: '3' });
    assert.equal(v3.status, 406);
    assert.equal(JSON.parse(v3.headers.get('x-ops-server-api-version') ?? '').max_version, '2');
  });

  void test('/version answers the omnibus manifest text', async () => {
    const res = await call('/version');
    assert.equal(res.status, 200);
    assert.match(res.body, /^chef-server 12\.19\.31\n/);
  });
});

void describe('organizations and members', () => {
  let validatorKey: string;
  let aliceKey: string;

  void test('creating an org builds the default groups, containers and validator', async () => {
    const res = await call('/organizations', { method: 'POST', body: { name: 'acme', full_name: 'Acme Inc.' } });
    assert.equal(res.status, 201);
    assert.equal(res.body.uri, `${chef.url}/organizations/acme`);
    assert.equal(res.body.clientname, 'acme-validator');
    validatorKey = res.body.private_key;

    const groups = await call('/organizations/acme/groups');
    assert.deepEqual(Object.keys(groups.body).sort(), [
      'admins',
      'billing-admins',
      'clients',
      'public_key_read_access',
      'users',
    ]);
    const containers = await call('/organizations/acme/containers');
    for (const c of ['clients', 'cookbooks', 'cookbook_artifacts', 'data', 'nodes', 'policies', 'policy_groups']) {
      assert.ok(containers.body[c], c);
    }
    const validator = await call('/organizations/acme/clients/acme-validator');
    assert.equal(validator.body.validator, true);
    assert.equal(validator.body.json_class, 'Chef::ApiClient');
    const clientsGroup = await call('/organizations/acme/groups/clients');
    assert.deepEqual(clientsGroup.body.clients, ['acme-validator']);
    assert.equal((await call('/organizations/acme/environments/_default')).status, 200);
    assert.deepEqual((await call('/organizations/acme/users')).body, []);
    assert.equal(
      (await call('/organizations', { method: 'POST', body: { name: 'acme', full_name: 'x' } })).status,
      409,
    );
  });

  void test('the validator client signs org requests, and may read but not write nodes', async () => {
    const opts = { user: 'acme-validator', key: validatorKey, version: '1.1' as const };
    assert.equal((await call('/organizations/acme/nodes', opts)).status, 200);
    const write = await call('/organizations/acme/nodes', { ...opts, method: 'POST', body: { name: 'n1' } });
    assert.equal(write.status, 403);
  });

  void test('invite and accept makes a member of the users group', async () => {
    const created = await call('/users', {
      method: 'POST',
      body: { username: 'alice', email: 'alice@example.com', display_name: 'Alice', password: 'secret123' },
    });
    assert.equal(created.status, 201);
    aliceKey = created.body.chef_key.private_key;
    assert.equal(asPkcs1Pem(aliceKey), aliceKey.trim());
    const dupEmail = await call('/users', {
      method: 'POST',
      body: { username: 'alice2', email: 'alice@example.com', display_name: 'A', password: 'secret123' },
    });
    assert.equal(dupEmail.status, 409);

    assert.equal((await call('/organizations/acme/nodes', { user: 'alice', key: aliceKey })).status, 403);
    const invite = await call('/organizations/acme/association_requests', { method: 'POST', body: { user: 'alice' } });
    assert.equal(invite.status, 201);
    const id = String(invite.body.uri).split('/').pop();
    const again = await call('/organizations/acme/association_requests', { method: 'POST', body: { user: 'alice' } });
    assert.equal(again.status, 409);
    assert.deepEqual((await call('/organizations/acme/association_requests')).body, [{ id, username: 'alice' }]);

    const pending = await call('/users/alice/association_requests', { user: 'alice', key: aliceKey });
    assert.deepEqual(pending.body, [{ id, orgname: 'acme' }]);
    const accept = await call(`/users/alice/association_requests/${id}`, {
      method: 'PUT',
      body: { response: 'accept' },
      user: 'alice',
      key: aliceKey,
    });
    assert.equal(accept.status, 200);

    assert.deepEqual((await call('/organizations/acme/users')).body, [{ user: { username: 'alice' } }]);
    assert.deepEqual((await call('/organizations/acme/groups/users')).body.users, ['alice']);
    assert.deepEqual((await call('/organizations/acme/association_requests')).body, []);
    assert.equal((await call('/organizations/acme/nodes', { user: 'alice', key: aliceKey })).status, 200);
    const write = await call('/organizations/acme/roles', {
      user: 'alice',
      key: aliceKey,
      method: 'POST',
      body: { name: 'r' },
    });
    assert.equal(write.status, 403);
  });

  void test('groups reject members that do not exist', async () => {
    const ok = await call('/organizations/acme/groups/admins', {
      method: 'PUT',
      body: { groupname: 'admins', actors: { users: ['pivotal', 'alice'], clients: [], groups: [] } },
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.actors, ['alice', 'pivotal']);
    const bad = await call('/organizations/acme/groups/admins', {
      method: 'PUT',
      body: { users: ['ghost'], clients: [], groups: ['nope'] },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error[0], /ghost/);
  });

  void test('an ACL naming a missing actor is 400; a valid one is stored', async () => {
    assert.equal((await call('/organizations/acme/nodes', { method: 'POST', body: { name: 'web1' } })).status, 201);
    const bad = await call('/organizations/acme/nodes/web1/_acl/read', {
      method: 'PUT',
      body: { read: { actors: ['alice', 'mallory'], groups: ['admins'] } },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error[0], /actor\(s\) mallory do not exist in this organization/);
    const badGroup = await call('/organizations/acme/nodes/web1/_acl/read', {
      method: 'PUT',
      body: { read: { actors: [], groups: ['ghosts'] } },
    });
    assert.equal(badGroup.status, 400);
    const good = await call('/organizations/acme/nodes/web1/_acl/read', {
      method: 'PUT',
      body: { read: { actors: ['alice', 'acme-validator'], groups: ['admins'] } },
    });
    assert.equal(good.status, 200);
    const acl = await call('/organizations/acme/nodes/web1/_acl');
    assert.deepEqual(acl.body.read, { actors: ['acme-validator', 'alice'], groups: ['admins'] });
    assert.deepEqual(Object.keys(acl.body), ['create', 'read', 'update', 'delete', 'grant']);
    assert.equal((await call('/organizations/acme/nodes/missing/_acl')).status, 404);
  });
});

void describe('cookbook upload', () => {
  const recipe = Buffer.from('package "nginx"\n');
  const metadata = Buffer.from('name "web"\nversion "1.0.0"\n');
  const recipeMd5 = md5(recipe).toString('hex');
  const metadataMd5 = md5(metadata).toString('hex');

  const manifestV0 = (frozen: boolean) => ({
    name: 'web-1.0.0',
    cookbook_name: 'web',
    version: '1.0.0',
    json_class: 'Chef::CookbookVersion',
    chef_type: 'cookbook_version',
    'frozen?': frozen,
    metadata: { name: 'web', version: '1.0.0', dependencies: {} },
    recipes: [{ name: 'default.rb', path: 'recipes/default.rb', checksum: recipeMd5, specificity: 'default' }],
    root_files: [{ name: 'metadata.rb', path: 'metadata.rb', checksum: metadataMd5, specificity: 'default' }],
  });

  void test('sandbox, file store and PUT, read back in v0 and v2 forms', async () => {
    const early = await call('/organizations/acme/cookbooks/web/1.0.0', { method: 'PUT', body: manifestV0(false) });
    assert.equal(early.status, 400);
    assert.match(early.body.error[0], /Manifest has a checksum that hasn't been uploaded/);

    const sandbox = await call('/organizations/acme/sandboxes', {
      method: 'POST',
      body: { checksums: { [recipeMd5]: null, [metadataMd5]: null } },
    });
    assert.equal(sandbox.status, 201);
    const entry = sandbox.body.checksums[recipeMd5];
    assert.equal(entry.needs_upload, true);
    assert.equal(entry.url, `${chef.url}/bookshelf/acme/checksum-${recipeMd5}`);

    const tooEarly = await call(`/organizations/acme/sandboxes/${sandbox.body.sandbox_id}`, {
      method: 'PUT',
      body: { is_completed: true },
    });
    assert.equal(tooEarly.status, 503);

    const wrong = await fetch(entry.url, { method: 'PUT', body: metadata });
    assert.equal(wrong.status, 400);
    for (const [data, sum] of [
      [recipe, recipeMd5],
      [metadata, metadataMd5],
    ] as const) {
      const put = await fetch(sandbox.body.checksums[sum].url, {
        method: 'PUT',
        body: data,
        headers: { 'Content-Type': 'application/x-binary', 'Content-MD5': md5(data).toString('base64') },
      });
      assert.equal(put.status, 200);
    }
    const commit = await call(`/organizations/acme/sandboxes/${sandbox.body.sandbox_id}`, {
      method: 'PUT',
      body: { is_completed: true },
    });
    assert.equal(commit.status, 200);

    const put = await call('/organizations/acme/cookbooks/web/1.0.0', { method: 'PUT', body: manifestV0(false) });
    assert.equal(put.status, 201);

    const v2 = await call('/organizations/acme/cookbooks/web/1.0.0', { apiVersion: '2' });
    assert.equal(v2.body.recipes, undefined);
    const names = v2.body.all_files.map((f: { name: string }) => f.name).sort();
    assert.deepEqual(names, ['recipes/default.rb', 'root_files/metadata.rb']);
    const v0 = await call('/organizations/acme/cookbooks/web/1.0.0');
    assert.equal(v0.body.all_files, undefined);
    assert.equal(v0.body.recipes[0].name, 'default.rb');
    assert.equal(v0.body.root_files[0].path, 'metadata.rb');
    assert.deepEqual(v0.body.templates, []);
    assert.equal(v0.body['frozen?'], false);
    const download = await fetch(v0.body.recipes[0].url);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), recipe);

    const again = await call('/organizations/acme/sandboxes', {
      method: 'POST',
      body: { checksums: { [recipeMd5]: null } },
    });
    assert.equal(again.body.checksums[recipeMd5].needs_upload, false);

    const list = await call('/organizations/acme/cookbooks?num_versions=all');
    assert.deepEqual(list.body.web.versions, [
      { version: '1.0.0', url: `${chef.url}/organizations/acme/cookbooks/web/1.0.0` },
    ]);
  });

  void test('a v2 upload is stored independent of form', async () => {
    const put = await call('/organizations/acme/cookbooks/web/1.1.0', {
      method: 'PUT',
      apiVersion: '2',
      body: {
        cookbook_name: 'web',
        version: '1.1.0',
        'frozen?': false,
        metadata: { name: 'web', version: '1.1.0' },
        all_files: [
          { name: 'recipes/default.rb', path: 'recipes/default.rb', checksum: recipeMd5, specificity: 'default' },
        ],
      },
    });
    assert.equal(put.status, 201);
    const v0 = await call('/organizations/acme/cookbooks/web/1.1.0');
    assert.equal(v0.body.recipes[0].name, 'default.rb');
    const latest = await call('/organizations/acme/cookbooks');
    assert.deepEqual(
      latest.body.web.versions.map((v: { version: string }) => v.version),
      ['1.1.0'],
    );
  });

  void test('a frozen version answers 409 unless forced', async () => {
    const freeze = await call('/organizations/acme/cookbooks/web/1.0.0', { method: 'PUT', body: manifestV0(true) });
    assert.equal(freeze.status, 200);
    assert.equal((await call('/organizations/acme/cookbooks/web/1.0.0')).body['frozen?'], true);
    const blocked = await call('/organizations/acme/cookbooks/web/1.0.0', { method: 'PUT', body: manifestV0(false) });
    assert.equal(blocked.status, 409);
    const forced = await call('/organizations/acme/cookbooks/web/1.0.0?force=true', {
      method: 'PUT',
      body: manifestV0(true),
    });
    assert.equal(forced.status, 200);
  });
});

void describe('org objects', () => {
  void test('node CRUD, _default environment, data bag item forms', async () => {
    const node = { name: 'db1', automatic: { platform: 'ubuntu' }, run_list: ['base'] };
    assert.equal((await call('/organizations/acme/nodes', { method: 'POST', body: node })).status, 201);
    assert.equal((await call('/organizations/acme/nodes', { method: 'POST', body: node })).status, 409);
    const got = await call('/organizations/acme/nodes/db1');
    assert.deepEqual(got.body.run_list, ['recipe[base]']);
    assert.equal(got.body.chef_environment, '_default');
    assert.equal((await call('/organizations/acme/nodes', { method: 'POST', body: { run_list: [] } })).status, 400);
    const env = await call('/organizations/acme/environments/_default', { method: 'PUT', body: { name: '_default' } });
    assert.equal(env.status, 405);

    assert.equal((await call('/organizations/acme/data', { method: 'POST', body: { name: 'secrets' } })).status, 201);
    const wrapped = { name: 'data_bag_item_secrets_k1', json_class: 'Chef::DataBagItem', raw_data: { id: 'k1', v: 1 } };
    assert.equal((await call('/organizations/acme/data/secrets', { method: 'POST', body: wrapped })).status, 201);
    assert.deepEqual((await call('/organizations/acme/data/secrets/k1')).body, { id: 'k1', v: 1 });
    const deleted = await call('/organizations/acme/nodes/db1', { method: 'DELETE' });
    assert.equal(deleted.body.name, 'db1');
    assert.equal((await call('/organizations/acme/nodes/db1')).status, 404);
  });

  void test('policies and policy groups', async () => {
    const lock = { name: 'app', revision_id: 'r1', run_list: ['recipe[web::default]'], cookbook_locks: {} };
    const post = await call('/organizations/acme/policies/app/revisions', { method: 'POST', body: lock });
    assert.equal(post.status, 201);
    const missing = await call('/organizations/acme/policy_groups/prod/policies/app', {
      method: 'PUT',
      body: { ...lock, revision_id: 'r2' },
    });
    assert.equal(missing.status, 404);
    const put = await call('/organizations/acme/policy_groups/prod/policies/app', { method: 'PUT', body: lock });
    assert.equal(put.status, 201);
    assert.deepEqual((await call('/organizations/acme/policies')).body, {
      app: { uri: `${chef.url}/organizations/acme/policies/app`, revisions: { r1: {} } },
    });
    assert.deepEqual((await call('/organizations/acme/policy_groups')).body, {
      prod: { uri: `${chef.url}/organizations/acme/policy_groups/prod`, policies: { app: { revision_id: 'r1' } } },
    });
  });

  void test('search and partial search over nodes', async () => {
    const full = await call('/organizations/acme/search/node?q=name:web1');
    assert.equal(full.body.total, 1);
    assert.equal(full.body.rows[0].name, 'web1');
    const partial = await call('/organizations/acme/search/node?q=*:*', {
      method: 'POST',
      body: { n: ['name'], env: ['chef_environment'] },
    });
    assert.deepEqual(partial.body.rows, [
      { url: `${chef.url}/organizations/acme/nodes/web1`, data: { n: 'web1', env: '_default' } },
    ]);
  });
});

void describe('fault injection', () => {
  void test('errorRate 1 answers errorStatus to matching requests only, and is logged', async () => {
    chef.log.length = 0;
    Object.assign(chef.faults, { errorRate: 1, match: /^GET \/organizations\/acme\/nodes$/ });
    try {
      const faulted = await call('/organizations/acme/nodes');
      assert.equal(faulted.status, 500);
      assert.deepEqual(faulted.body, { error: ['injected fault'] });
      assert.equal((await call('/organizations/acme/roles')).status, 200);
    } finally {
      Object.assign(chef.faults, { errorRate: 0, match: undefined });
    }
    assert.deepEqual(chef.log, [
      { method: 'GET', path: '/organizations/acme/nodes', status: 500, userId: 'pivotal' },
      { method: 'GET', path: '/organizations/acme/roles', status: 200, userId: 'pivotal' },
    ]);
  });

  void test('outage answers every request, with Retry-After when configured', async () => {
    Object.assign(chef.faults, { outage: true, errorStatus: 503, retryAfterSeconds: 2 });
    try {
      const res = await call('/users');
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '2');
      assert.equal((await fetch(`${chef.url}/_status`)).status, 503);
    } finally {
      Object.assign(chef.faults, { outage: false, errorStatus: 500, retryAfterSeconds: undefined });
    }
    assert.equal((await call('/users')).status, 200);
  });

  void test('reject answers deterministically per object', async () => {
    chef.faults.reject = { match: /^POST \/organizations\/acme\/nodes$/, status: 400, message: 'invalid data' };
    try {
      const res = await call('/organizations/acme/nodes', { method: 'POST', body: { name: 'bad' } });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, { error: ['invalid data'] });
    } finally {
      chef.faults.reject = undefined;
    }
    assert.equal((await call('/organizations/acme/nodes/bad')).status, 404);
    assert.deepEqual(chef.log.at(-2), {
      method: 'POST',
      path: '/organizations/acme/nodes',
      status: 400,
      userId: 'pivotal',
    });
  });

  void test('resetRate 1 destroys the connection without an answer', async () => {
    chef.faults.resetRate = 1;
    try {
      await assert.rejects(call('/users'));
    } finally {
      chef.faults.resetRate = 0;
    }
  });
});
