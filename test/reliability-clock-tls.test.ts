import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ChefClient } from '../activities/chef-api/client';
import { ChefAuthError } from '../activities/errors';
import { MemoryLedger } from '../activities/ledger/ledger';
import { backup } from '../activities/operations/backup';
import type { OperationResult, ServerOptions } from '../activities/operations/options';
import { restore } from '../activities/operations/restore';
import { verify } from '../activities/operations/verify';
import { startChefDouble, type ChefDouble } from './chef-double';
import { seedOrg, seedUsers } from './fixtures/seed-multi-tenant';

/**
 * Two ways a run meets a server that will not talk to it, both ending at once with one clear error instead of a
 * retry storm: a local clock more than 15 minutes off the server's (Chef refuses the signature), and a server
 * certificate the client does not trust (fixed with --ca-file).
 */

const FAST_RETRY = { maximumAttempts: 5, initialIntervalMs: 5, backoffCoefficient: 2, maximumIntervalMs: 50 };
const MINUTE = 60_000;
const run = promisify(execFile);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function failures(r: OperationResult): Promise<string> {
  return `${JSON.stringify(r)}\n${r.failureReport ? await readFile(r.failureReport, 'utf8') : ''}`;
}

async function seed(d: ChefDouble, caFile?: string): Promise<void> {
  const pivotal = new ChefClient({ url: d.url, userId: 'pivotal', keyPath: d.pivotalKeyPath, caFile });
  try {
    await seedUsers(pivotal);
    await seedOrg(pivotal, 'acme', { nodes: 2 });
  } finally {
    await pivotal.close();
  }
}

describe('reliability: clock skew between the migrator and the server', () => {
  let chef: ChefDouble;
  let work: string;
  let source: ServerOptions;
  const backupTo = (name: string) =>
    backup({ dir: join(work, name), concurrency: 10, retry: FAST_RETRY, onlyOrgs: ['acme'], source });

  before(async () => {
    chef = await startChefDouble();
    work = await mkdtemp(join(tmpdir(), 'cm-rel-clock-'));
    source = { url: chef.url, user: 'pivotal', keyPath: chef.webuiKeyPath, webui: true };
    await seed(chef);
  });

  after(async () => {
    await chef?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const [skewMin, relation] of [
    [20, 'behind'],
    [-20, 'ahead of'],
  ] as const)
    it(`a server ${Math.abs(skewMin)} minutes ${skewMin > 0 ? 'ahead' : 'behind'}: one authentication error naming the skew and NTP, no retries`, async () => {
      chef.clockSkewMs = skewMin * MINUTE;
      chef.log.length = 0;
      try {
        await assert.rejects(backupTo(`skew${skewMin}`), (err: unknown) => {
          assert.ok(err instanceof ChefAuthError, String(err));
          assert.match(
            err.message,
            new RegExp(`the local clock is 20 minutes ${relation} the server's \\(Chef allows 15\\).*NTP`),
          );
          assert.match(err.message, new RegExp(`^${escape(chef.url)} refused the request signature \\(401\\)`));
          assert.equal(err.details.status, 401);
          assert.equal(err.details.attempts, 1);
          return true;
        });
      } finally {
        chef.clockSkewMs = 0;
      }
      assert.deepEqual(
        chef.log.map((e) => `${e.method} ${e.path} ${e.status}`),
        ['GET /users 401'],
        'exactly one request',
      );
    });

  for (const skewMin of [10, -10])
    it(`a server ${Math.abs(skewMin)} minutes ${skewMin > 0 ? 'ahead' : 'behind'} (within Chef's 15): the backup works`, async () => {
      chef.clockSkewMs = skewMin * MINUTE;
      try {
        const r = await backupTo(`skew${skewMin}`);
        assert.equal(r.failed, 0, await failures(r));
        assert.equal(r.retries, 0);
        assert.equal(r.counts.nodes?.written, 6);
      } finally {
        chef.clockSkewMs = 0;
      }
    });
});

describe('reliability: a Chef server on HTTPS with a private CA', () => {
  let a: ChefDouble;
  let b: ChefDouble;
  let work: string;
  let caFile: string;

  /** A CA and a certificate for 127.0.0.1 signed by it, made with openssl as an operator would. */
  async function makeCertificates(dir: string): Promise<{ key: string; cert: string; caFile: string }> {
    const at = (name: string) => join(dir, name);
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at('ca.key'),
      '-out',
      at('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=chef-migrate test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at('server.key'),
      '-out',
      at('server.csr'),
      '-subj',
      '/CN=127.0.0.1',
    ]);
    await writeFile(
      at('server.ext'),
      'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      at('server.csr'),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at('server.pem'),
      '-days',
      '2',
      '-extfile',
      at('server.ext'),
    ]);
    return {
      key: await readFile(at('server.key'), 'utf8'),
      cert: await readFile(at('server.pem'), 'utf8'),
      caFile: at('ca.pem'),
    };
  }

  const side = (d: ChefDouble, ca?: string): ServerOptions => ({
    url: d.url,
    user: 'pivotal',
    keyPath: d.webuiKeyPath,
    webui: true,
    ...(ca ? { caFile: ca } : {}),
  });
  const common = (dir: string) => ({ dir, concurrency: 10, retry: FAST_RETRY, onlyOrgs: ['acme'] });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'cm-rel-tls-'));
    const tls = await makeCertificates(work);
    caFile = tls.caFile;
    [a, b] = await Promise.all([startChefDouble({ tls }), startChefDouble({ tls })]);
    assert.match(a.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    await seed(a, caFile);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('without --ca-file the backup is refused at once with a clear error, after one attempt', async () => {
    a.log.length = 0;
    a.connections = 0;
    await assert.rejects(backup({ ...common(join(work, 'untrusted')), source: side(a) }), (err: unknown) => {
      assert.ok(err instanceof ChefAuthError, String(err));
      assert.match(
        err.message,
        new RegExp(
          `^TLS certificate of ${escape(a.url)} is not trusted \\([A-Z_]+\\); pass the server's CA with --ca-file$`,
        ),
      );
      assert.equal(err.details.attempts, 1);
      return true;
    });
    assert.equal(a.connections, 1, 'one connection, no retries');
    assert.equal(a.log.length, 0, 'no request got through');
  });

  it('with --ca-file a backup, a restore into another HTTPS server and a verify work: zero differences', async () => {
    const dir = join(work, 'trusted');
    const backedUp = await backup({ ...common(dir), source: side(a, caFile) });
    assert.equal(backedUp.failed, 0, await failures(backedUp));
    assert.equal(backedUp.counts.cookbooks?.written, 3, 'cookbook files came over https URLs');
    const restored = await restore({ ...common(dir), destination: side(b, caFile) }, { ledger: new MemoryLedger() });
    assert.equal(restored.failed, 0, await failures(restored));
    const report = await verify({
      source: side(a, caFile),
      destination: side(b, caFile),
      concurrency: 10,
      onlyOrgs: ['acme'],
      retry: FAST_RETRY,
    });
    assert.deepEqual(report.differences, []);
    assert.ok(report.rows.some((row) => row.kind === 'cookbooks' && row.compared === 3));
  });
});
