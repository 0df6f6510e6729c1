import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../activities/errors';
import { buildCluster } from '../activities/cluster/build';
import { preflight } from '../activities/cluster/build/preflight';
import { StepLog } from '../activities/cluster/build/step-log';
import { copySecretBetweenHosts, openRemoteHost, RemoteCommandError } from '../activities/cluster/ssh';
import type { BuildStep, ClusterHost, ClusterPlan, CommandResult, RemoteHost } from '../activities/cluster/types';
import { startClusterHosts, type TestClusterHosts } from './peers/ssh-hosts';

/** The cluster build runbook against 3 + 2 real sshd test hosts running the chef-backend/chef-server stubs. */

const MUTATING = /create-cluster|join-cluster|reconfigure|dpkg -i|rpm -U|mv -f|touch |chmod |mkdir -p \/var/;

function planFor(h: TestClusterHosts, overrides: Partial<ClusterPlan> = {}): ClusterPlan {
  return {
    ssh: h.ssh,
    backends: h.backends,
    frontends: h.frontends,
    packages: {},
    requiredPorts: [],
    health: {
      leaderlPort: 7331,
      elasticsearchPort: 9200,
      etcdPort: 2379,
      postgres: { port: 5432, user: 'chef_pgsql', database: 'postgres' },
    },
    thresholds: {
      maxClockDriftSeconds: 1.5,
      maxReplicationLagBytes: 52_428_800,
      joinTimeoutSeconds: 20,
      failoverTimeoutSeconds: 60,
      pollIntervalSeconds: 0.2,
    },
    failoverTests: { soft: false, hard: false },
    ...overrides,
  };
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** When the host first received a command matching `pattern` (epoch ms). */
function firstAt(h: TestClusterHosts, host: string, pattern: RegExp): number {
  const c = h.commands(host).find((x) => pattern.test(x.command));
  assert.ok(c, `${host} ran no command matching ${pattern}`);
  return c.at;
}

/** Every regular file under a host's state directory (the overlay bookkeeping excluded), relative to it. */
function filesOf(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === '.overlay-work' ? [] : filesOf(root, p);
    return e.isFile() ? [relative(root, p)] : [];
  });
}

describe('buildCluster on 3 backends + 2 frontends', () => {
  let hosts: TestClusterHosts;
  let plan: ClusterPlan;
  const recorded: CommandResult[] = [];
  // One connection per host for the whole file (the caller owns what hostFactory returns): ssh handshakes are the
  // slowest part of a build against loopback hosts.
  const pool = new Map<string, RemoteHost>();
  const hostFactory = (h: ClusterHost): RemoteHost => {
    let r = pool.get(h.name);
    if (!r) pool.set(h.name, (r = openRemoteHost(h, plan.ssh, { onCommand: (c) => recorded.push(c) })));
    return r;
  };

  before(async () => {
    hosts = await startClusterHosts({ backends: 3, frontends: 2, joinSeconds: 1 });
    // fe2 lacks chef-server-core: the build installs it from the plan's package file.
    hosts.setPackageInstalled('fe2', 'chef-server-core', false);
    const deb = join(hosts.baseDir, 'chef-server-core_15.10.12-1_amd64.deb');
    writeFileSync(deb, 'Package: chef-server-core\nVersion: 15.10.12-1\n');
    plan = planFor(hosts, { packages: { frontend: deb } });
  });

  after(async () => {
    await Promise.all([...pool.values()].map((r) => r.close()));
    await hosts?.stop();
  });

  it('builds the cluster in the documented order', async () => {
    const seen: BuildStep[] = [];
    const report = await buildCluster(plan, { onStep: (s) => seen.push(s), hostFactory });
    assert.equal(report.noop, false);
    assert.deepEqual(seen, report.steps);
    const outcome = (step: string, host: string) =>
      report.steps.find((s) => s.step === step && s.host === host)?.outcome;
    assert.equal(outcome('preflight:package', 'fe2'), 'done');
    assert.equal(outcome('preflight:package', 'be1'), 'already');
    assert.equal(outcome('backend:create-cluster', 'be1'), 'done');
    assert.equal(outcome('backend:join-cluster', 'be2'), 'done');
    assert.equal(outcome('backend:join-cluster', 'be3'), 'done');
    for (const fe of ['fe1', 'fe2']) {
      assert.equal(outcome('frontend:server-config', fe), 'done');
      assert.equal(outcome('frontend:reconfigure', fe), 'done');
    }
    assert.equal(outcome('frontend:secrets', 'fe2'), 'done');

    // The stubs' view: three members, be1 leads, everyone synced.
    const state = hosts.clusterState();
    assert.deepEqual(
      state.members.map((m) => [m.name, m.ip]),
      [
        ['be1', '127.0.10.1'],
        ['be2', '127.0.10.2'],
        ['be3', '127.0.10.3'],
      ],
    );
    assert.equal(state.leader, 'be1');

    // Order: create before any join; be2 healthy (and seen so by a poll on be1) before be3's join started.
    const created = firstAt(hosts, 'be1', /create-cluster --accept-license --yes --quiet/);
    const be2Join = firstAt(hosts, 'be2', /join-cluster 127\.0\.10\.1 -s \S+ --accept-license --yes/);
    const be3Join = firstAt(hosts, 'be3', /join-cluster 127\.0\.10\.1 -s \S+ --accept-license --yes/);
    assert.ok(created < be2Join && be2Join < be3Join);
    const be2 = state.members.find((m) => m.name === 'be2');
    const be3 = state.members.find((m) => m.name === 'be3');
    assert.ok(be2 && be3 && be2.healthyAt <= be3.joinedAt, 'be3 joined while be2 was still syncing');
    assert.ok(
      hosts.commands('be1').some((c) => /cluster-status --json/.test(c.command) && c.at > be2Join && c.at < be3Join),
      'the build did not poll be1 between the two joins',
    );
    assert.ok(hosts.commandLog('be2').every((l) => !/join-cluster.*(-p |--publish)/.test(l)));

    // One gen-server-config per frontend, then fe1's reconfigure before fe2's.
    assert.ok(firstAt(hosts, 'be1', /gen-server-config fe1\.chef-ha\.test -f /));
    assert.ok(firstAt(hosts, 'be1', /gen-server-config fe2\.chef-ha\.test -f /));
    assert.ok(
      firstAt(hosts, 'fe1', /chef-server-ctl reconfigure/) < firstAt(hosts, 'fe2', /chef-server-ctl reconfigure/),
    );

    const fe1Rb = readFileSync(join(hosts.hostRoot('fe1'), 'etc/opscode/chef-server.rb'), 'utf8');
    assert.match(fe1Rb, /^fqdn "fe1\.chef-ha\.test"$/m);
    assert.match(fe1Rb, /^chef_backend_members \["127\.0\.10\.1", "127\.0\.10\.2", "127\.0\.10\.3"\]$/m);
    const feSecrets = (fe: string) => join(hosts.hostRoot(fe), 'etc/opscode/private-chef-secrets.json');
    assert.ok(readFileSync(feSecrets('fe1')).equals(readFileSync(feSecrets('fe2'))));
    assert.equal(statSync(feSecrets('fe2')).mode & 0o777, 0o600);
    assert.equal(
      readFileSync(join(hosts.hostRoot('fe2'), 'var/opt/opscode/upgrades/migration-level'), 'utf8'),
      readFileSync(join(hosts.hostRoot('fe1'), 'var/opt/opscode/upgrades/migration-level'), 'utf8'),
    );
  });

  it('leaves no temporary secrets copy, and no secret in a command line or log', () => {
    const secrets = JSON.parse(
      readFileSync(join(hosts.hostRoot('be1'), 'etc/chef-backend/chef-backend-secrets.json'), 'utf8'),
    ) as { postgresql: { db_superuser_password: string; replication_password: string } };
    const feSecret = readFileSync(join(hosts.hostRoot('fe1'), 'etc/opscode/private-chef-secrets.json'), 'utf8');
    const needles = [
      secrets.postgresql.db_superuser_password,
      secrets.postgresql.replication_password,
      (JSON.parse(feSecret) as { redis_lb: { password: string } }).redis_lb.password,
    ];
    // Where secrets belong: the backends' secrets file, the frontends' generated config and secrets file.
    const allowed = new Set([
      'etc/chef-backend/chef-backend-secrets.json',
      'etc/opscode/chef-server.rb',
      'etc/opscode/private-chef-secrets.json',
    ]);
    for (const name of ['be1', 'be2', 'be3', 'fe1', 'fe2']) {
      assert.deepEqual(readdirSync(join(hosts.hostRoot(name), 'tmp')), [], `${name} temp dir`);
      for (const file of filesOf(hosts.hostRoot(name))) {
        if (allowed.has(file)) continue;
        const text = readFileSync(join(hosts.hostRoot(name), file), 'latin1');
        for (const n of needles) assert.ok(!text.includes(n), `${name}:${file} holds a secret`);
      }
      for (const line of hosts.commandLog(name)) for (const n of needles) assert.ok(!line.includes(n), line);
    }
    assert.ok(recorded.length > 50);
    for (const r of recorded) {
      for (const n of needles) assert.ok(![r.command, r.stdout, r.stderr].some((t) => t.includes(n)), r.command);
    }
  });

  it('changes nothing when run again on the built cluster', async () => {
    const before = Object.fromEntries(['be1', 'be2', 'be3', 'fe1', 'fe2'].map((n) => [n, hosts.commandLog(n).length]));
    const report = await buildCluster(plan, { hostFactory });
    assert.equal(report.noop, true);
    assert.deepEqual(
      report.steps.filter((s) => s.outcome !== 'already'),
      [],
    );
    for (const [name, count] of Object.entries(before)) {
      const later = hosts.commandLog(name).slice(count);
      assert.ok(later.length > 0);
      assert.deepEqual(
        later.filter((l) => MUTATING.test(l)),
        [],
        `${name} ran a mutating command on the re-run`,
      );
    }
  });

  it('fails a step with host, command, exit code and stderr, and resumes once fixed', async () => {
    const fe2 = hosts.frontends[1];
    assert.ok(fe2);
    await hostFactory(fe2).removeFile('/etc/opscode/chef-server-running.json');
    hosts.setFault('fe2', 'reconfigure-fails', true);
    const err = await buildCluster(plan, { hostFactory }).catch((e: unknown) => e);
    assert.ok(err instanceof RemoteCommandError, String(err));
    assert.match(
      err.message,
      /^fe2: `CHEF_LICENSE=accept chef-server-ctl reconfigure` exited 1: FATAL: .*reconfigure-fails/,
    );
    hosts.setFault('fe2', 'reconfigure-fails', false);
    const report = await buildCluster(plan, { hostFactory });
    assert.deepEqual(
      report.steps.filter((s) => s.outcome === 'done').map((s) => `${s.step}@${s.host}`),
      ['frontend:reconfigure@fe2'],
    );
  });

  it('is still a no-op after a failover moved the leadership off be1', async () => {
    const be1 = hosts.backends[0];
    assert.ok(be1);
    assert.equal((await hostFactory(be1).run('chef-backend-ctl demote')).code, 0);
    assert.notEqual(hosts.clusterState().leader, 'be1');
    const report = await buildCluster(plan, { hostFactory });
    assert.equal(report.noop, true);
  });
});

describe('preflight failures and the join rule', () => {
  let hosts: TestClusterHosts;

  before(async () => {
    hosts = await startClusterHosts({ backends: 3, frontends: 1, joinSeconds: 4 });
  });

  after(async () => {
    await hosts?.stop();
  });

  it('counts a refused port as reachable (the host answered) and reports it', async () => {
    const port = await closedPort();
    const steps: BuildStep[] = [];
    const remotes = new Map<string, RemoteHost>();
    const remote = (h: ClusterHost) => {
      let r = remotes.get(h.name);
      if (!r) remotes.set(h.name, (r = openRemoteHost(h, hosts.ssh)));
      return r;
    };
    try {
      await preflight(planFor(hosts, { requiredPorts: [port] }), remote, new StepLog((s) => steps.push(s)));
    } finally {
      await Promise.all([...remotes.values()].map((r) => r.close()));
    }
    assert.deepEqual(
      steps.filter((s) => s.step === 'preflight:ports').map((s) => `${s.host} ${s.detail}`),
      ['be1', 'be2', 'be3'].map((n) => `${n} ${port} refused`),
    );
  });

  it('fails when a package is missing and the plan gives no file, naming the host', async () => {
    hosts.setPackageInstalled('be2', 'chef-backend', false);
    try {
      const err = await buildCluster(planFor(hosts)).catch((e: unknown) => e);
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, /be2: package chef-backend is not installed .*plan\.packages\.backend/);
      assert.ok(hosts.commandLog('be1').every((l) => !MUTATING.test(l)));
    } finally {
      hosts.setPackageInstalled('be2', 'chef-backend', true);
    }
  });

  it('fails the preflight when backend clocks drift beyond the threshold', async () => {
    hosts.setFault('be3', 'clock-drift:5', true);
    try {
      const err = await buildCluster(planFor(hosts)).catch((e: unknown) => e);
      assert.ok(err instanceof ConfigError, String(err));
      const m = /clock drift across the backends is (\d+\.\d+) s \(be3 ahead of be[12]; .*above the 1\.5 s limit/.exec(
        err.message,
      );
      assert.ok(m, err.message);
      // 5 s of fault, measured over ssh: within the round-trip noise.
      assert.ok(Math.abs(Number(m[1]) - 5) < 0.5, err.message);
      assert.equal(hosts.clusterState().members.length, 0);
    } finally {
      hosts.setFault('be3', 'clock-drift:5', false);
    }
  });

  it('the stub refuses a join while another join is in progress', async () => {
    const [be1, be2, be3] = hosts.backends.map((h) => openRemoteHost(h, hosts.ssh));
    assert.ok(be1 && be2 && be3);
    try {
      for (const be of [be1, be2, be3]) {
        await be.writeFile(
          '/etc/chef-backend/chef-backend.rb',
          Buffer.from(`publish_address '${be.host.address}'\n`),
          0o644,
        );
      }
      assert.equal((await be1.run('chef-backend-ctl create-cluster --accept-license --yes --quiet')).code, 0);
      for (const be of [be2, be3]) {
        await copySecretBetweenHosts(be1, '/etc/chef-backend/chef-backend-secrets.json', be, '/root/s.json', 0o600);
      }
      const join = (be: RemoteHost) =>
        be.run('chef-backend-ctl join-cluster 127.0.10.1 -s /root/s.json --accept-license --yes');
      const results = await Promise.all([join(be2), join(be3)]);
      const codes = results.map((r) => r.code).sort();
      assert.equal(codes[0], 0);
      assert.notEqual(codes[1], 0);
      const refused = results.find((r) => r.code !== 0);
      assert.match(refused?.stderr ?? '', /Another node \(be[23]\) is joining the cluster since .*one at a time/);
      // Once the first joiner is healthy, the refused node may join.
      const [winner, loser] = results[0]?.code === 0 ? ['be2', be3] : ['be3', be2];
      const healthyAt = hosts.clusterState().members.find((m) => m.name === winner)?.healthyAt ?? 0;
      await new Promise((r) => setTimeout(r, Math.max(0, healthyAt - Date.now()) + 100));
      assert.equal((await join(loser)).code, 0);
    } finally {
      await Promise.all([be1, be2, be3].map((h) => h?.close()));
    }
  });
});
