import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CommandTimeoutError,
  copySecretBetweenHosts,
  HostKeyError,
  openRemoteHost,
  SshAuthError,
  SshConnectError,
  withSecretCopy,
} from '../activities/cluster/ssh';
import type { CommandResult, RemoteHost, SshSettings } from '../activities/cluster/types';
import { startClusterHosts, type TestClusterHosts } from './peers/ssh-hosts';

/** The ssh layer against real sshd instances on loopback (test/peers/ssh-hosts.ts). */

let hosts: TestClusterHosts;
const opened: RemoteHost[] = [];
const recorded: CommandResult[] = [];

const shared = new Map<string, RemoteHost>();

/** A host with the test hosts' own settings, opened once per file (each opening is a full ssh handshake). */
function open(name: string): RemoteHost {
  let r = shared.get(name);
  if (!r) shared.set(name, (r = openWith(name, {})));
  return r;
}

/** A host with settings changed for one test. */
function openWith(name: string, ssh: Partial<SshSettings>): RemoteHost {
  const h = [...hosts.backends, ...hosts.frontends].find((x) => x.name === name);
  assert.ok(h, name);
  const r = openRemoteHost(h, { ...hosts.ssh, ...ssh }, { onCommand: (c) => recorded.push(c) });
  opened.push(r);
  return r;
}

before(async () => {
  hosts = await startClusterHosts({ backends: 2, frontends: 0 });
});

after(async () => {
  await Promise.all(opened.map((h) => h.close()));
  await hosts?.stop();
});

describe('run', () => {
  it('captures stdout, stderr and the exit code', async () => {
    const be1 = open('be1');
    const r = await be1.run('echo out; echo err >&2; exit 3');
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
    assert.equal(r.command, 'echo out; echo err >&2; exit 3');
    const ok = await be1.run('cat', { stdin: 'from stdin' });
    assert.deepEqual([ok.code, ok.stdout], [0, 'from stdin']);
  });

  it('reuses one connection per host and runs commands in parallel', async () => {
    const be1 = open('be1');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => be1.run(`echo ${i}`)));
    assert.deepEqual(
      results.map((r) => r.stdout.trim()),
      ['0', '1', '2', '3', '4', '5', '6', '7'],
    );
  });

  it('runs through sudo -n when asked', async () => {
    const r = await openWith('be1', { sudo: true }).run('id -u');
    assert.equal(r.stdout.trim(), '0');
    assert.ok(hosts.commandLog('be1').some((l) => l.includes('sudo -n timeout') && l.includes('id -u')));
  });

  it('kills a command at its timeout, on the host too', async () => {
    const be1 = open('be1');
    const t0 = Date.now();
    const err = await be1.run('sleep 37.25', { timeoutSeconds: 1 }).catch((e: unknown) => e);
    assert.ok(err instanceof CommandTimeoutError, String(err));
    assert.equal(err.result.code, 124);
    assert.match(err.message, /be1: `sleep 37.25` did not finish within 1 s/);
    assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
    // The remote sleep is gone as well (all test hosts share this machine's process table).
    await new Promise((r) => setTimeout(r, 300));
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.startsWith('sleep 37.25'));
    assert.deepEqual(left, []);
  });
});

describe('files', () => {
  it('writeFile/readFile round trip with mode, atomically, on its own host only', async () => {
    const be1 = open('be1');
    const content = randomBytes(4096);
    await be1.writeFile('/etc/chef-test/blob.bin', content, 0o640);
    assert.ok((await be1.readFile('/etc/chef-test/blob.bin')).equals(content));
    assert.equal((await be1.run('stat -c %a /etc/chef-test/blob.bin')).stdout.trim(), '640');
    assert.deepEqual((await be1.run('ls -A /etc/chef-test')).stdout.trim().split('\n'), ['blob.bin']);
    // The host's /etc is its own: the file is in be1's state directory, not on be2 nor on the worker.
    assert.ok(readFileSync(join(hosts.hostRoot('be1'), 'etc/chef-test/blob.bin')).equals(content));
    assert.equal((await open('be2').run('test -e /etc/chef-test/blob.bin')).code, 1);
    assert.equal(existsSync('/etc/chef-test'), false);
    await be1.removeFile('/etc/chef-test/blob.bin');
    assert.equal((await be1.run('test -e /etc/chef-test/blob.bin')).code, 1);
  });

  it('readFile of a missing file names host and command', async () => {
    await assert.rejects(open('be1').readFile('/etc/nope'), /be1: `cat -- \/etc\/nope` exited 1: .*No such file/);
  });
});

describe('host keys and authentication', () => {
  it('refuses an unknown host key unless trustOnFirstUse, then records it', async () => {
    const knownHostsPath = join(hosts.baseDir, 'client', 'known_hosts.empty');
    writeFileSync(knownHostsPath, '');
    const err = await openWith('be1', { knownHostsPath })
      .run('true')
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError, String(err));
    assert.equal(err.name, 'HostKeyError');
    assert.equal(err.reason, 'unknown');
    const port = String(hosts.backends[0]?.sshPort);
    for (const part of ['be1', '127.0.0.1', port, knownHostsPath, 'trustOnFirstUse']) {
      assert.ok(err.message.includes(part), `${part} in ${err.message}`);
    }

    const tofu = openWith('be1', { knownHostsPath, trustOnFirstUse: true });
    assert.equal((await tofu.run('echo ok')).stdout, 'ok\n');
    // Recorded (hashed or not, as the ssh client config says): ssh-keygen -F finds it.
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${port}`, '-f', knownHostsPath], { encoding: 'utf8' });
    assert.ok(found.includes(hosts.knownHostsLine('be1').split(' ').slice(2).join(' ')), found);
  });

  it('refuses a changed host key even with trustOnFirstUse', async () => {
    const knownHostsPath = join(hosts.baseDir, 'client', 'known_hosts.changed');
    // be2's key recorded under be1's address and port: what a rebuilt (or impersonated) be1 looks like.
    const be2Key = hosts.knownHostsLine('be2').split(' ').slice(1).join(' ');
    writeFileSync(knownHostsPath, `[127.0.0.1]:${hosts.backends[0]?.sshPort} ${be2Key}\n`);
    const err = await openWith('be1', { knownHostsPath, trustOnFirstUse: true })
      .run('true')
      .catch((e: unknown) => e);
    assert.ok(err instanceof HostKeyError, String(err));
    assert.equal(err.reason, 'changed');
    assert.match(err.message, /does NOT match/);
    assert.ok(err.message.includes(knownHostsPath));
  });

  it('reports an unreachable host as a (retryable) connect error', async () => {
    const h = hosts.backends[0];
    assert.ok(h);
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = srv.address() as AddressInfo;
        srv.close(() => resolve(p));
      });
    });
    const r = openRemoteHost({ ...h, sshPort: port }, hosts.ssh);
    opened.push(r);
    const err = await r.run('true').catch((e: unknown) => e);
    assert.ok(err instanceof SshConnectError, String(err));
    assert.match(
      err.message,
      new RegExp(`be1 \\(127\\.0\\.0\\.1 port ${port}\\): cannot connect over ssh: .*Connection refused`),
    );
  });

  it('names user, host and key path when the key is refused, and no key material', async () => {
    const keyPath = join(hosts.baseDir, 'client', 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    const err = await openWith('be1', { keyPath })
      .run('true')
      .catch((e: unknown) => e);
    assert.ok(err instanceof SshAuthError, String(err));
    assert.equal(err.name, 'SshAuthError');
    for (const part of ['root@127.0.0.1', 'be1', keyPath]) assert.ok(err.message.includes(part), part);
    const material = [readFileSync(keyPath, 'utf8'), readFileSync(`${keyPath}.pub`, 'utf8')]
      .flatMap((t) => t.split(/\s+/))
      .filter((w) => w.length > 20);
    for (const m of material) assert.ok(!err.message.includes(m) && !String(err.stack).includes(m));
  });
});

describe('secrets between hosts', () => {
  it('arrives intact, leaves no temporary copy, and never shows up in a command line or log', async () => {
    const be1 = open('be1');
    const be2 = open('be2');
    const secret = `{"postgresql":{"db_superuser_password":"${randomBytes(24).toString('hex')}"}}\n`;
    await be1.writeFile('/etc/chef-backend/chef-backend-secrets.json', Buffer.from(secret), 0o600);

    await copySecretBetweenHosts(be1, '/etc/chef-backend/chef-backend-secrets.json', be2, '/etc/copied/s.json', 0o600);
    assert.equal((await be2.readFile('/etc/copied/s.json')).toString(), secret);
    assert.equal((await be2.run('stat -c %a /etc/copied/s.json')).stdout.trim(), '600');
    assert.deepEqual((await be2.run('ls -A /etc/copied')).stdout.trim().split('\n'), ['s.json']);

    let seenPath = '';
    await withSecretCopy(be1, '/etc/chef-backend/chef-backend-secrets.json', be2, 0o600, async (tmp) => {
      seenPath = tmp;
      assert.equal((await be2.readFile(tmp)).toString(), secret);
    });
    assert.match(seenPath, /\/chef-backend-secrets\.json$/);
    assert.equal((await be2.run(`test -e ${seenPath.replace(/\/[^/]+$/, '')}`)).code, 1);
    assert.deepEqual(readdirSync(join(hosts.hostRoot('be2'), 'tmp')), []);

    const password = JSON.parse(secret).postgresql.db_superuser_password as string;
    for (const name of ['be1', 'be2']) {
      assert.ok(hosts.commandLog(name).length > 0);
      for (const line of hosts.commandLog(name)) assert.ok(!line.includes(password), `${name} log: ${line}`);
    }
    assert.ok(recorded.length > 0);
    for (const r of recorded) {
      assert.ok(!r.command.includes(password) && !r.stdout.includes(password) && !r.stderr.includes(password));
    }
  });
});
