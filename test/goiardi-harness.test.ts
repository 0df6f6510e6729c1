import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { startGoiardi, type GoiardiServer } from '../client/demo/goiardi';
import { signedRequest, type SignedRequestOptions } from './peers/signed-fetch';

type Call = Omit<SignedRequestOptions, 'userId' | 'keyPath'>;

const asAdmin = (server: GoiardiServer, call: Call, keyOf: GoiardiServer = server) =>
  signedRequest(server.url, { ...call, userId: 'admin', keyPath: keyOf.adminKeyPath });

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The 'exit' event can trail the signal by a moment; poll instead of sleeping a guessed time. */
async function waitForPidGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(20)) {
    if (!pidAlive(pid)) return true;
  }
  return !pidAlive(pid);
}

const nodeBody = (name: string) => JSON.stringify({ name, json_class: 'Chef::Node', chef_type: 'node', run_list: [] });

void describe('goiardi harness', () => {
  void test('two instances are independent servers with their own keys', async () => {
    const [a, b] = await Promise.all([startGoiardi(), startGoiardi()]);
    try {
      assert.notEqual(a.port, b.port);
      assert.notEqual(a.dir, b.dir);
      assert.notEqual(a.port, 4545);
      assert.equal((await asAdmin(a, { method: 'GET', path: '/nodes' })).status, 200);
      assert.equal((await asAdmin(b, { method: 'GET', path: '/nodes' })).status, 200);
      assert.equal(
        (await asAdmin(b, { method: 'GET', path: '/nodes' }, a)).status,
        401,
        "A's admin key must not work on B",
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  void test('stop() leaves no process and no directory, and may be called twice', async () => {
    const server = await startGoiardi();
    assert.ok(pidAlive(server.pid));
    assert.ok(await exists(server.adminKeyPath));
    await server.stop();
    assert.equal(pidAlive(server.pid), false, `goiardi pid ${server.pid} still running after stop()`);
    assert.equal(await exists(server.dir), false, `${server.dir} left behind`);
    await server.stop();
  });

  void test('kill() ends the process at once and keeps the directory until stop()', async () => {
    const server = await startGoiardi();
    server.kill();
    assert.ok(await waitForPidGone(server.pid), `goiardi pid ${server.pid} survived SIGKILL`);
    assert.ok(await exists(server.adminKeyPath));
    await server.stop();
    assert.equal(await exists(server.dir), false);
  });

  void test('pitfall 1: unknown paths answer 200 with an empty body and store nothing', async () => {
    const server = await startGoiardi();
    try {
      const read = await asAdmin(server, { method: 'GET', path: '/organizations/x/nodes' });
      const write = await asAdmin(server, {
        method: 'POST',
        path: '/organizations/x/nodes',
        body: nodeBody('orgnode'),
      });
      const why = 'goiardi used to answer unknown paths with an empty 200; if this changed, revisit pitfall 1';
      assert.deepEqual([read.status, read.text], [200, ''], why);
      assert.deepEqual([write.status, write.text], [200, ''], why);
      assert.equal(read.headers['content-type'], undefined, why);
      assert.equal(
        (await asAdmin(server, { method: 'GET', path: '/nodes/orgnode' })).status,
        404,
        'the write was dropped',
      );
    } finally {
      await server.stop();
    }
  });

  void test('the caller’s GOIARDI_* variables do not reach goiardi', async () => {
    const saved = process.env.GOIARDI_CONFIG;
    // goiardi exits at once if GOIARDI_CONFIG names a missing file, so a leak would fail the start.
    process.env.GOIARDI_CONFIG = '/nonexistent/goiardi.conf';
    try {
      const server = await startGoiardi();
      await server.stop();
    } finally {
      if (saved === undefined) delete process.env.GOIARDI_CONFIG;
      else process.env.GOIARDI_CONFIG = saved;
    }
  });

  void test('a goiardi that exits early fails the start quickly, with its log', async () => {
    const started = Date.now();
    await assert.rejects(startGoiardi({ extraArgs: ['--no-such-flag'] }), /unknown flag `no-such-flag'/);
    assert.ok(Date.now() - started < 5000, 'should not wait for the readiness timeout');
    await assert.rejects(startGoiardi({ binary: '/nonexistent/goiardi' }), /ENOENT/);
  });

  void test('persist: a restart from the same conf-root keeps data and the admin key', async () => {
    const confRoot = await mkdtemp(join(tmpdir(), 'goiardi-persist-'));
    try {
      const first = await startGoiardi({ persist: true, confRoot });
      const adminKey = await readFile(first.adminKeyPath, 'utf8');
      const created = await asAdmin(first, { method: 'POST', path: '/nodes', body: nodeBody('kept') });
      assert.equal(created.status, 201, created.text);
      await first.stop(); // SIGTERM freezes the data file
      assert.ok(await exists(join(confRoot, 'goiardi-data.bin')));

      const second = await startGoiardi({ persist: true, confRoot });
      try {
        assert.equal(await readFile(second.adminKeyPath, 'utf8'), adminKey, 'a restart writes no new admin.pem');
        const read = await asAdmin(second, { method: 'GET', path: '/nodes/kept' });
        assert.equal(read.status, 200, read.text);
        assert.equal(read.json<{ name: string }>().name, 'kept');
      } finally {
        await second.stop();
      }
      assert.ok(await exists(confRoot), 'a caller-supplied conf-root is never deleted');
    } finally {
      await rm(confRoot, { recursive: true, force: true });
    }
  });
});
