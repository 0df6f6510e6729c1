import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ChefClient } from '../activities/chef-api/client';
import { startMigration } from '../client/commands/migration';
import { seedCommon } from '../client/demo/demo-data';
import { startGoiardi, type GoiardiServer } from '../client/demo/goiardi';
import { planFrom } from '../client/plan-schema';
import { abortSignal } from '../workflows/messages';
import type { MigrationPlan, MigrationState } from '../workflows/types';
import { startMigrationEnv, waitForProgress, type MigrationEnv } from './fixtures/temporal-env';
import {
  startElasticsearchFake,
  startEtcdFakes,
  startLeaderlFakes,
  startStatusFakes,
} from './peers/cluster-fakes/http-fakes';
import { startReplicatedPostgres, type ReplicatedPostgres } from './peers/pg-replication';
import { startClusterHosts, type TestClusterHosts } from './peers/ssh-hosts';

/**
 * The migration workflow's cluster phases end to end: build-cluster → validate-cluster on a real Temporal dev server,
 * against 3 + 2 real sshd test hosts (stub chef-backend-ctl / chef-server-ctl), the HTTP health fakes, a real
 * replicated PostgreSQL, and two goiardi servers for the data plane.
 */

const execFileAsync = promisify(execFile);
const CLI = join(__dirname, '..', 'bin', 'chef-migrate');
const PASSWORD_ENV = 'CM_CLUSTER_WORKFLOW_PG_PASSWORD';
const BACKENDS = ['be1', 'be2', 'be3'];
const HOSTS = [...BACKENDS, 'fe1', 'fe2'];
/** Commands that change a host (as in cluster-build.test.ts). */
const MUTATING = /create-cluster|join-cluster|reconfigure|dpkg -i|rpm -U|mv -f|touch |chmod |mkdir -p \/var/;

/** The stubs' shared cluster state: which backend `cluster-status` lists as the Elasticsearch master (null = none). */
function setEsMaster(h: TestClusterHosts, name: unknown): unknown {
  const file = join(h.baseDir, 'cluster', 'cluster.json');
  const state = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, `${JSON.stringify({ ...state, esMaster: name }, null, 2)}\n`);
  return state.esMaster;
}

type Leaderl = Awaited<ReturnType<typeof startLeaderlFakes>>;
type Closer = { close(): Promise<void> };

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileAsync(process.execPath, [CLI, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('migration workflow: build-cluster → validate-cluster on ssh test hosts', () => {
  let env: MigrationEnv;
  let hosts: TestClusterHosts;
  let pg: ReplicatedPostgres;
  let a: GoiardiServer;
  let b: GoiardiServer;
  let leaderl: Leaderl;
  const fakes: Closer[] = [];
  let dir: string;
  let planFile: string;
  let rawPlan: (id: string) => Record<string, unknown>;
  let plan: (id: string) => MigrationPlan;

  before(async () => {
    [env, hosts, pg, a, b] = await Promise.all([
      startMigrationEnv('e2e-cluster'),
      startClusterHosts({ backends: 3, frontends: 2, joinSeconds: 1, packagesInstalled: true }),
      startReplicatedPostgres({ standbys: 2 }),
      startGoiardi(),
      startGoiardi(),
    ]);
    const es = await startElasticsearchFake('green');
    const etcd = await startEtcdFakes(BACKENDS);
    leaderl = await startLeaderlFakes(BACKENDS, () => {
      const leader = hosts.clusterState().leader;
      return leader ? [leader] : [];
    });
    const status = await startStatusFakes(['fe1', 'fe2']);
    fakes.push(es, etcd, leaderl, status);
    process.env[PASSWORD_ENV] = pg.password;

    dir = await mkdtemp(join(tmpdir(), 'cm-cluster-wf-'));
    const src = new ChefClient({ url: a.url, userId: 'admin', keyPath: a.adminKeyPath });
    try {
      await seedCommon(src, '', { nodes: 3 });
    } finally {
      await src.close();
    }
    const host = (h: { name: string; sshHost: string; sshPort: number; address: string; fqdn?: string }) => ({
      name: h.name,
      sshHost: h.sshHost,
      sshPort: h.sshPort,
      address: h.address,
      ...(h.fqdn ? { fqdn: h.fqdn } : {}),
    });
    const pgPorts = Object.fromEntries(
      [pg.primary, ...pg.standbys].map((s) => [s.name, { host: pg.host, port: s.port }]),
    );
    rawPlan = (id: string) => ({
      id,
      source: { url: a.url, user: 'admin', key: a.adminKeyPath, singleTenantOrg: 'demo' },
      destination: { url: b.url, user: 'admin', key: b.adminKeyPath, singleTenantOrg: 'demo' },
      clusterExists: false,
      cluster: {
        ssh: {
          user: hosts.ssh.user,
          key: hosts.ssh.keyPath,
          knownHosts: hosts.ssh.knownHostsPath,
          commandTimeoutSeconds: 30,
          connectTimeoutSeconds: 5,
        },
        backends: hosts.backends.map(host),
        frontends: hosts.frontends.map(host),
        requiredPorts: [],
        health: {
          statusUrls: status.urls,
          endpoints: { leaderl: leaderl.urls, etcd: etcd.urls, elasticsearch: es.url, postgres: pgPorts },
          postgres: { port: 5432, user: pg.user, database: pg.database, passwordEnv: PASSWORD_ENV },
        },
        thresholds: { joinTimeoutSeconds: 20, failoverTimeoutSeconds: 60, pollIntervalSeconds: 0.2 },
      },
      backupDir: join(dir, id),
      incremental: { intervalMinutes: 600 },
      tidy: { requireApproval: false },
      cutover: {
        chefServerUrl: 'https://chef-ha.example.com/organizations/{org}',
        roles: ['web'],
        checkinDeadlineMinutes: 1,
        checkinPollSeconds: 1,
      },
      heartbeatTimeoutSeconds: 10,
      retry: { maximumAttempts: 3, initialIntervalMs: 50, backoffCoefficient: 2, maximumIntervalMs: 500 },
    });
    plan = (id: string) =>
      planFrom(rawPlan(id), 'test plan', {
        control: env.settings.controlQueue,
        dataPlane: env.settings.dataPlaneQueue,
      });
    planFile = join(dir, 'plan.json');
    await writeFile(planFile, JSON.stringify(rawPlan('cli-validate'), null, 2));
    await env.startWorker();
  });

  after(async () => {
    delete process.env[PASSWORD_ENV];
    // Everything is stopped even when one stop fails; the first failure is reported.
    const stopped = await Promise.allSettled([env?.stop()]);
    stopped.push(
      ...(await Promise.allSettled([hosts?.stop(), pg?.stop(), a?.stop(), b?.stop(), ...fakes.map((f) => f.close())])),
    );
    if (dir) await rm(dir, { recursive: true, force: true });
    const failure = stopped.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
  });

  const abort = async (id: string): Promise<MigrationState> => {
    const handle = env.client.workflow.getHandle(id);
    await handle.signal(abortSignal, 'test done');
    const final: MigrationState = await handle.result();
    assert.equal(final.phase, 'aborted');
    return final;
  };
  const logLengths = () => Object.fromEntries(HOSTS.map((n) => [n, hosts.commandLog(n).length]));
  const cliEnv = () => ({ ...process.env, TEMPORAL_ADDRESS: env.server.address });

  it('builds the cluster, validates it and reaches the incremental loop', async () => {
    const id = await startMigration(env.client, env.settings, plan('cluster-wf-1'));
    const p = await waitForProgress(
      env.client,
      id,
      (x) => x.phase === 'incremental-loop' || x.phase === 'awaiting-approval' || x.phase === 'failed',
      90_000,
    );
    assert.equal(p.phase, 'incremental-loop', JSON.stringify(p.clusterValidation ?? p.error));
    assert.equal(p.clusterValidation?.ok, true, JSON.stringify(p.clusterValidation));
    assert.ok((p.clusterValidation?.checks ?? 0) > 10, `only ${p.clusterValidation?.checks} checks`);
    assert.deepEqual(p.clusterValidation?.failed, []);
    const build = p.steps.find((s) => s.step === 'build cluster');
    assert.ok(build, JSON.stringify(p.steps));
    const m = /^(\d+) of (\d+) steps done/.exec(build.note ?? '');
    assert.ok(m && Number(m[1]) > 0, `build note: ${build.note}`);
    assert.equal(p.lastVerify?.differences, 0);

    // The stubs' view and the host logs: be1 created the cluster before be2 and be3 joined it.
    const state = hosts.clusterState();
    assert.deepEqual(
      state.members.map((x) => x.name),
      BACKENDS,
    );
    assert.equal(state.leader, 'be1');
    const at = (h: string, re: RegExp) => {
      const c = hosts.commands(h).find((x) => re.test(x.command));
      assert.ok(c, `${h} ran no command matching ${re}`);
      return c.at;
    };
    const created = at('be1', /create-cluster/);
    const be2Join = at('be2', /join-cluster 127\.0\.10\.1/);
    const be3Join = at('be3', /join-cluster 127\.0\.10\.1/);
    assert.ok(created < be2Join && be2Join < be3Join, `create ${created}, joins ${be2Join} ${be3Join}`);

    await abort(id);
  });

  it('a second migration finds the cluster built: a no-op build, no mutating command; chef-migrate validate passes', async () => {
    const before = logLengths();
    // The CLI's validation alone (no Temporal), run alongside: it only reads.
    const validating = cli(['validate', '--config', planFile, '--json'], cliEnv());
    const id = await startMigration(env.client, env.settings, plan('cluster-wf-2'));
    const p = await waitForProgress(
      env.client,
      id,
      (x) => x.phase === 'incremental-loop' || x.phase === 'awaiting-approval' || x.phase === 'failed',
      90_000,
    );
    assert.equal(p.phase, 'incremental-loop', JSON.stringify(p.clusterValidation ?? p.error));
    assert.equal(p.clusterValidation?.ok, true);
    assert.equal(p.steps.find((s) => s.step === 'build cluster')?.note, 'already built: nothing changed');
    await abort(id);

    const r = await validating;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; pass: boolean }[] };
    assert.equal(report.ok, true);
    assert.ok(report.checks.length > 10);
    assert.ok(!r.stdout.includes(pg.password), 'the PG password is never printed');

    for (const [name, count] of Object.entries(before)) {
      const later = hosts.commandLog(name).slice(count);
      assert.ok(later.length > 0, `${name} was not contacted`);
      assert.deepEqual(
        later.filter((l) => MUTATING.test(l)),
        [],
        `${name} ran a mutating command on the second run`,
      );
    }
  });

  it('with leaderl down, no leader and no ES master, validation fails and the migration waits for approval', async () => {
    // `leaderless` on be1 would also fail the build's own health wait (see the report): this set of faults leaves the
    // build a no-op yet fails backend-status (a service down, `status` still exits 0), cluster-status and leaderl.
    hosts.setFault('*', 'service-down:leaderl', true);
    leaderl.setLeaders([]);
    const esMaster = setEsMaster(hosts, null);
    try {
      const id = await startMigration(env.client, env.settings, plan('cluster-wf-3'));
      const p = await waitForProgress(
        env.client,
        id,
        (x) => x.phase === 'awaiting-approval' || x.phase === 'incremental-loop' || x.phase === 'failed',
        90_000,
      );
      assert.equal(p.phase, 'awaiting-approval', JSON.stringify(p.error ?? p.clusterValidation));
      assert.equal(p.steps.find((s) => s.step === 'build cluster')?.note, 'already built: nothing changed');
      assert.equal(p.clusterValidation?.ok, false);
      const failed = p.clusterValidation?.failed ?? [];
      for (const re of [/^backend-status:be1: /, /^backend-status:be2: /, /^cluster-status: /, /^leaderl-leader: /])
        assert.ok(
          failed.some((f) => re.test(f)),
          `no failure matching ${re} in ${JSON.stringify(failed)}`,
        );
      assert.deepEqual(Object.keys(p.orgs), [], 'the data plane did not start');

      const [status, v] = await Promise.all([
        cli(['status', id], cliEnv()),
        cli(['validate', '--config', planFile, '--json'], cliEnv()),
      ]);
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.match(status.stdout, /phase: awaiting-approval/);
      assert.match(
        status.stdout,
        /cluster validation: \d+ of \d+ checks passed \(fix, then chef-migrate approve, or abort\)/,
      );
      assert.match(status.stdout, /^ {2}FAIL backend-status:be\d: /m);
      assert.match(status.stdout, /^ {2}FAIL leaderl-leader: /m);

      assert.equal(v.code, 1, v.stdout + v.stderr);
      const report = JSON.parse(v.stdout) as { ok: boolean; checks: { name: string; pass: boolean }[] };
      assert.equal(report.ok, false);
      assert.deepEqual(
        report.checks.filter((c) => !c.pass).map((c) => c.name),
        ['backend-status:be1', 'backend-status:be2', 'backend-status:be3', 'cluster-status', 'leaderl-leader'],
      );

      await abort(id);
    } finally {
      hosts.setFault('*', 'service-down:leaderl', false);
      leaderl.setLeaders(undefined);
      setEsMaster(hosts, esMaster);
    }
  });
});
