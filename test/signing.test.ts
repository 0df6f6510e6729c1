import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RequestSigner, SIGN_VERSIONS, canonicalPath, type SignVersion } from '../activities/chef-api/signing';
import { startGoiardi, type GoiardiServer } from '../client/demo/goiardi';
import { verifyWithMixlib, type MixlibVerdict } from './peers/mixlib-verify';
import { signedRequest } from './peers/signed-fetch';

interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

function rsaKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

const key = rsaKeyPair();
const otherKey = rsaKeyPair();
// Every character class a Chef object name or an org path may carry that is left unencoded on the wire.
const TRICKY_PATH = '/organizations/acme-corp_1/nodes/web-01.example.com:8443@dc_east';
const NODE_BODY = JSON.stringify({ name: 'web-01.example.com', chef_type: 'node', run_list: ['recipe[base]'] });

void describe('signer basics', () => {
  void test('content hash of an empty body', async () => {
    const sha1 = await new RequestSigner(key.privateKeyPem, '1.0').sign({
      method: 'GET',
      path: '/',
      body: '',
      userId: 'u',
    });
    assert.equal(sha1['X-Ops-Content-Hash'], '2jmj7l5rSw0yVb/vlWAYkK/YBwk=');
    const sha256 = await new RequestSigner(key.privateKeyPem, '1.3').sign({
      method: 'GET',
      path: '/',
      body: '',
      userId: 'u',
    });
    assert.equal(sha256['X-Ops-Content-Hash'], '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  void test('canonicalPath collapses runs of / and drops a trailing / but keeps the root', () => {
    assert.equal(canonicalPath('//nodes///web01/'), '/nodes/web01');
    assert.equal(canonicalPath('/nodes/'), '/nodes');
    assert.equal(canonicalPath('/'), '/');
    assert.equal(canonicalPath('//'), '/');
    assert.equal(canonicalPath(TRICKY_PATH), TRICKY_PATH);
  });

  for (const version of SIGN_VERSIONS) {
    void test(`${version}: a 2048-bit signature fills six 60-character X-Ops-Authorization headers`, async () => {
      const headers = await new RequestSigner(key.privateKeyPem, version).sign({
        method: 'GET',
        path: '/nodes',
        body: '',
        userId: 'admin',
      });
      const chunks = Object.keys(headers)
        .filter((name) => name.startsWith('X-Ops-Authorization-'))
        .sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop()));
      assert.deepEqual(
        chunks,
        [1, 2, 3, 4, 5, 6].map((n) => `X-Ops-Authorization-${n}`),
      );
      assert.deepEqual(
        chunks.map((name) => headers[name]?.length),
        [60, 60, 60, 60, 60, 44],
      );
      assert.equal(Buffer.from(chunks.map((name) => headers[name]).join(''), 'base64').length, 256);
    });
  }
});

interface MixlibCase {
  method: string;
  path: string;
  body: string;
  /** Signed, and sent as X-Ops-Server-API-Version unless sendApiVersion says otherwise. */
  apiVersion?: string;
  sendApiVersion?: boolean;
  receivedBody?: string;
  verifyWith?: KeyPair;
  timestamp?: Date;
}

/** Signs with the product's signer and asks the Ruby gem whether a Chef server would accept the request. */
async function mixlibVerdict(version: SignVersion, c: MixlibCase): Promise<MixlibVerdict> {
  const signed = await new RequestSigner(key.privateKeyPem, version).sign({
    method: c.method,
    path: c.path,
    body: c.body,
    userId: 'pivotal',
    apiVersion: c.apiVersion,
    timestamp: c.timestamp,
  });
  const sendApiVersion = c.sendApiVersion ?? c.apiVersion !== undefined;
  return verifyWithMixlib({
    method: c.method,
    path: c.path,
    body: c.receivedBody ?? c.body,
    headers: {
      ...signed,
      ...(sendApiVersion && c.apiVersion !== undefined ? { 'X-Ops-Server-API-Version': c.apiVersion } : {}),
    },
    publicKeyPem: (c.verifyWith ?? key).publicKeyPem,
  });
}

void describe('compatibility with Mixlib::Authentication (the Ruby reference)', () => {
  for (const version of SIGN_VERSIONS) {
    void test(`${version}: GET with an empty body is accepted`, async () => {
      const verdict = await mixlibVerdict(version, { method: 'GET', path: TRICKY_PATH, body: '', apiVersion: '1' });
      assert.deepEqual(verdict, { ok: true });
    });

    void test(`${version}: POST with a JSON body is accepted`, async () => {
      const verdict = await mixlibVerdict(version, {
        method: 'POST',
        path: TRICKY_PATH,
        body: NODE_BODY,
        apiVersion: '1',
      });
      assert.deepEqual(verdict, { ok: true });
    });

    void test(`${version}: a path with doubled and trailing slashes canonicalises the same way`, async () => {
      const verdict = await mixlibVerdict(version, {
        method: 'GET',
        path: '//nodes//web01/',
        body: '',
        apiVersion: '1',
      });
      assert.deepEqual(verdict, { ok: true });
    });

    void test(`${version}: no API version signs "0", as Mixlib assumes when the header is absent`, async () => {
      const verdict = await mixlibVerdict(version, { method: 'GET', path: '/nodes', body: '' });
      assert.deepEqual(verdict, { ok: true });
    });

    void test(`${version}: a body changed after signing is rejected`, async () => {
      const verdict = await mixlibVerdict(version, {
        method: 'POST',
        path: TRICKY_PATH,
        body: NODE_BODY,
        receivedBody: NODE_BODY.replace('base', 'evil'),
        apiVersion: '1',
      });
      assert.equal(verdict.ok, false);
    });

    void test(`${version}: another key is rejected`, async () => {
      const verdict = await mixlibVerdict(version, {
        method: 'GET',
        path: TRICKY_PATH,
        body: '',
        apiVersion: '1',
        verifyWith: otherKey,
      });
      assert.equal(verdict.ok, false);
      assert.match(verdict.error ?? '', /signature/);
    });
  }

  void test('1.3: the API version is signed, so dropping the header breaks the signature', async () => {
    const verdict = await mixlibVerdict('1.3', {
      method: 'GET',
      path: '/nodes',
      body: '',
      apiVersion: '1',
      sendApiVersion: false,
    });
    assert.equal(verdict.ok, false);
    assert.match(verdict.error ?? '', /signature/);
  });

  void test('1.0: the API version is not signed, so dropping the header does not matter', async () => {
    const verdict = await mixlibVerdict('1.0', {
      method: 'GET',
      path: '/nodes',
      body: '',
      apiVersion: '1',
      sendApiVersion: false,
    });
    assert.deepEqual(verdict, { ok: true });
  });

  void test('a timestamp 20 minutes old is rejected', async () => {
    const verdict = await mixlibVerdict('1.3', {
      method: 'GET',
      path: '/nodes',
      body: '',
      timestamp: new Date(Date.now() - 20 * 60_000),
    });
    assert.equal(verdict.ok, false);
    assert.match(verdict.error ?? '', /timestamp/);
  });
});

void describe('against a real goiardi', () => {
  let server: GoiardiServer;
  before(async () => {
    server = await startGoiardi();
  });
  after(async () => {
    await server?.stop();
  });

  for (const version of SIGN_VERSIONS) {
    void test(`${version}: the admin user can list and create nodes`, async () => {
      const admin = { userId: 'admin', keyPath: server.adminKeyPath, signVersion: version };
      const list = await signedRequest(server.url, { ...admin, method: 'GET', path: '/nodes' });
      assert.equal(list.status, 200);
      assert.equal(typeof list.json<Record<string, string>>(), 'object');

      // goiardi accepts dots, dashes, underscores and colons in node names, but refuses '@' (400).
      const name = `sig-${version}.web_01:8443`;
      const body = JSON.stringify({ name, json_class: 'Chef::Node', chef_type: 'node', run_list: [] });
      const created = await signedRequest(server.url, { ...admin, method: 'POST', path: '/nodes', body });
      assert.equal(created.status, 201, created.text);

      // An empty 200 would not prove anything (pitfall 1): read the node back.
      const read = await signedRequest(server.url, { ...admin, method: 'GET', path: `/nodes/${name}` });
      assert.equal(read.status, 200, read.text);
      assert.equal(read.json<{ name: string }>().name, name);
    });
  }

  void test('API version 1 is signed and echoed by the server', async () => {
    const res = await signedRequest(server.url, {
      method: 'GET',
      path: '/nodes',
      userId: 'admin',
      keyPath: server.adminKeyPath,
      signVersion: '1.3',
      apiVersion: '1',
    });
    assert.equal(res.status, 200);
    assert.match(res.headers['x-ops-server-api-version'] ?? '', /"request_version":\s*"1"/);
  });

  for (const version of SIGN_VERSIONS) {
    void test(`${version}: a wrong key is refused`, async () => {
      const res = await signedRequest(server.url, {
        method: 'GET',
        path: '/nodes',
        userId: 'admin',
        keyPath: server.webuiKeyPath,
        signVersion: version,
      });
      assert.equal(res.status, 401);
    });

    void test(`${version}: a timestamp 20 minutes old is refused`, async () => {
      const res = await signedRequest(server.url, {
        method: 'GET',
        path: '/nodes',
        userId: 'admin',
        keyPath: server.adminKeyPath,
        signVersion: version,
        timestamp: new Date(Date.now() - 20 * 60_000),
      });
      assert.equal(res.status, 401);
    });
  }
});
