import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CheckResult, ClusterPlan, ValidationReport } from '../activities/cluster/types';
import {
  formatValidationReport,
  validateCluster,
  validateTarget,
  type ValidateDeps,
} from '../activities/cluster/validate/validate-cluster';
import { startFakeCluster, type FakeCluster } from './peers/cluster-fakes/fake-cluster';
import { startReplicatedPostgres, type ReplicatedPostgres } from './peers/pg-replication';

/**
 * validateCluster against a fake Chef HA cluster: the stub ctl programs run through the local-process RemoteHost, the
 * health endpoints are loopback fakes, PostgreSQL is a real primary with two streaming standbys. Each injected fault
 * must fail the validation with THAT check named, its evidence in the report; the healthy setup must pass.
 */

const PASSWORD_ENV = 'CM_CLUSTER_CHECKS_PG_PASSWORD';
let fake: FakeCluster;
let pg: ReplicatedPostgres;
let plan: ClusterPlan;
let deps: ValidateDeps;
let tmp: string;

const failedNames = (r: ValidationReport) =>
  r.checks
    .filter((c) => !c.pass)
    .map((c) => c.name)
    .sort();
const check = (r: ValidationReport, name: string): CheckResult => {
  const c = r.checks.find((x) => x.name === name);
  assert.ok(c, `no check named ${name} in ${r.checks.map((x) => x.name).join(', ')}`);
  return c;
};
/** The report as an operator sees it: the table row of the check, and its evidence in the --json form. */
function assertReported(r: ValidationReport, name: string, evidence: Record<string, unknown>): void {
  const table = formatValidationReport(r);
  const row = table.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(row, `no table row for ${name}:\n${table}`);
  assert.match(row, new RegExp(`^${name}\\s+FAIL\\s+\\S`));
  assert.match(table, /NOT healthy/);
  const json = JSON.parse(formatValidationReport(r, { json: true })) as ValidationReport;
  const c = json.checks.find((x) => x.name === name);
  for (const [k, v] of Object.entries(evidence)) assert.deepEqual(c?.evidence[k], v, `evidence.${k} of ${name}`);
}

async function until(run: () => Promise<ValidationReport>, ok: (r: ValidationReport) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run();
    if (ok(r) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 250));
  }
}

before(async () => {
  [fake, pg] = await Promise.all([startFakeCluster({ frontends: 2 }), startReplicatedPostgres({ standbys: 2 })]);
  process.env[PASSWORD_ENV] = pg.password;
  tmp = mkdtempSync(join(tmpdir(), 'cm-cluster-checks-'));
  const base = fake.plan();
  plan = {
    ...base,
    health: {
      ...base.health,
      postgres: { port: 5432, user: pg.user, database: pg.database, passwordEnv: PASSWORD_ENV },
    },
  };
  const ports = Object.fromEntries([pg.primary, ...pg.standbys].map((s) => [s.name, { host: pg.host, port: s.port }]));
  deps = { hostFactory: fake.hostFactory, urls: { ...fake.urls, postgres: ports }, httpTimeoutMs: 2000 };
});

after(async () => {
  delete process.env[PASSWORD_ENV];
  await Promise.all([fake?.close(), pg?.stop()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('validateCluster: healthy', () => {
  it('passes every check and lists them in a stable order', async () => {
    const seen: string[] = [];
    const r = await validateCluster(plan, { ...deps, onCheck: (c) => seen.push(c.name) });
    assert.deepEqual(failedNames(r), [], formatValidationReport(r));
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.checks.map((c) => c.name),
      [
        'backend-status:be1',
        'backend-status:be2',
        'backend-status:be3',
        'cluster-status',
        'pg-replication:leader',
        'pg-replication:be2',
        'pg-replication:be3',
        'elasticsearch-health',
        'etcd-health:be1',
        'etcd-health:be2',
        'etcd-health:be3',
        'leaderl-leader',
        'frontend-status:fe1',
        'frontend-services:fe1',
        'chef-server-ctl-test:fe1',
        'frontend-status:fe2',
        'frontend-services:fe2',
        'chef-server-ctl-test:fe2',
      ],
    );
    assert.deepEqual([...seen].sort(), r.checks.map((c) => c.name).sort(), 'onCheck saw every check');
    assert.equal(check(r, 'cluster-status').evidence.leader, 'be1');
    assert.equal(check(r, 'leaderl-leader').evidence.leader, 'be1');
    assert.equal(check(r, 'elasticsearch-health').evidence.status, 'green');
    assert.equal(check(r, 'chef-server-ctl-test:fe1').evidence.examples, 72);
    assert.ok(
      fake.hosts.every((h) => h.closed),
      'every host closed',
    );
    const table = formatValidationReport(r);
    assert.match(table, /^CHECK\s+RESULT\s+MESSAGE$/m);
    assert.match(table, /^backend-status:be1\s+pass\s+be1: all 5 services running/m);
    assert.match(table, /18 checks passed — cluster healthy/);
    assert.doesNotMatch(table, /evidence|"services"/, 'no evidence in the table');
    assert.ok(!formatValidationReport(r, { json: true }).includes(pg.password), 'the PG password is never reported');
  });

  it('reads the text table when cluster-status --json is not supported', async () => {
    fake.noJson();
    try {
      const r = await validateCluster(plan, deps);
      assert.equal(r.ok, true, formatValidationReport(r));
      assert.equal(check(r, 'cluster-status').evidence.format, 'text');
    } finally {
      fake.noJson(false);
    }
  });
});

describe('validateCluster: each injected fault fails THAT check', () => {
  beforeEach(() => {
    fake.setLeader('be1');
    fake.leaderl.setLeaders(undefined);
  });

  it('leaderless cluster → backend-status on every node, cluster-status, leaderl-leader', async () => {
    fake.setLeader(null);
    const r = await validateCluster(plan, deps);
    assert.equal(r.ok, false);
    assert.deepEqual(failedNames(r), [
      'backend-status:be1',
      'backend-status:be2',
      'backend-status:be3',
      'cluster-status',
      'leaderl-leader',
    ]);
    const be2 = check(r, 'backend-status:be2');
    assert.match(be2.message, /leaderless: leader 0, waiting 3 of 3/);
    assert.match(be2.message, /force-leader/);
    assertReported(r, 'backend-status:be2', { exitCode: 0 });
    assert.ok((be2.evidence.problems as string[]).includes('leaderless: leader 0, waiting 3 of 3'));
    assert.match(check(r, 'cluster-status').message, /^no leader \(waiting: be1, be2, be3\)/);
    assertReported(r, 'leaderl-leader', { leaders: [], statuses: { be1: 503, be2: 503, be3: 503 } });
  });

  it('a down service while `chef-backend-ctl status` exits 0 → backend-status of that node names it', async () => {
    fake.serviceDown('be2', 'elasticsearch');
    try {
      const r = await validateCluster(plan, deps);
      // ES 2/3 shows on every node's distributed column too; the node with the down service says so first.
      assert.deepEqual(failedNames(r), ['backend-status:be1', 'backend-status:be2', 'backend-status:be3']);
      const be2 = check(r, 'backend-status:be2');
      assert.match(
        be2.message,
        /^be2: elasticsearch down — start it \(`chef-backend-ctl start elasticsearch` on be2\)/,
      );
      assertReported(r, 'backend-status:be2', { exitCode: 0, host: 'be2' });
      const row = (be2.evidence.services as { service: string; running: boolean }[]).find(
        (s) => s.service === 'elasticsearch',
      );
      assert.equal(row?.running, false);
      assert.match(check(r, 'backend-status:be1').message, /elasticsearch yellow 2\/3/);
    } finally {
      fake.serviceUp('be2', 'elasticsearch');
    }
  });

  it('a follower stuck syncing → backend-status and cluster-status', async () => {
    fake.syncing('be3');
    try {
      const r = await validateCluster(plan, deps);
      assert.deepEqual(failedNames(r), [
        'backend-status:be1',
        'backend-status:be2',
        'backend-status:be3',
        'cluster-status',
      ]);
      assert.match(check(r, 'backend-status:be1').message, /postgresql syncing 1/);
      assert.match(check(r, 'cluster-status').message, /be3 role follower, PG syncing/);
    } finally {
      fake.syncing('be3', false);
    }
  });

  it('a lagging replica → pg-replication of that standby, with its lag', async () => {
    await pg.standbys[0]?.pauseReplay();
    try {
      await pg.query("CREATE TABLE lag_filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 40000) g");
      // be3 replays too; wait until only the paused be2 is behind.
      const r = await until(
        () => validateCluster(plan, deps),
        (x) => failedNames(x).join() === 'pg-replication:be2,pg-replication:leader',
      );
      assert.deepEqual(failedNames(r), ['pg-replication:be2', 'pg-replication:leader']);
      const be2 = check(r, 'pg-replication:be2');
      assert.ok(Number(be2.evidence.lagBytes) > plan.thresholds.maxReplicationLagBytes);
      assert.match(be2.message, /^be2 replay is \d+ bytes behind be1 \(max 1048576\)/);
      assertReported(r, 'pg-replication:be2', { inRecovery: true, leader: 'be1', thresholdBytes: 1048576 });
    } finally {
      await pg.standbys[0]?.resumeReplay();
      await pg.query('DROP TABLE IF EXISTS lag_filler');
    }
  });

  it('two leaderl leaders → leaderl-leader only', async () => {
    fake.leaderl.setLeaders(['be1', 'be2']);
    const r = await validateCluster(plan, deps);
    assert.deepEqual(failedNames(r), ['leaderl-leader']);
    assert.match(check(r, 'leaderl-leader').message, /^be1 and be2 all answer 200 on \/leader .* split brain/);
    assertReported(r, 'leaderl-leader', { leaders: ['be1', 'be2'], statuses: { be1: 200, be2: 200, be3: 503 } });
  });

  it('frontend /_status 500 {"status":"fail"} → frontend-status of that frontend', async () => {
    fake.status.set('fe1', 'fail-500');
    try {
      const r = await validateCluster(plan, deps);
      assert.deepEqual(failedNames(r), ['frontend-status:fe1']);
      assert.match(
        check(r, 'frontend-status:fe1').message,
        /^fe1: \/_status HTTP 500, status "fail", failing upstreams: chef_sql=fail/,
      );
      assertReported(r, 'frontend-status:fe1', {
        httpStatus: 500,
        status: 'fail',
        failingUpstreams: ['chef_sql=fail'],
      });
    } finally {
      fake.status.set('fe1', 'pong');
    }
  });

  it('frontend /_status empty 200 (goiardi-like) → frontend-status, a failure', async () => {
    fake.status.set('fe2', 'empty-200');
    try {
      const r = await validateCluster(plan, deps);
      assert.deepEqual(failedNames(r), ['frontend-status:fe2']);
      assert.match(check(r, 'frontend-status:fe2').message, /^fe2: \/_status answered 200 with an empty body/);
      assertReported(r, 'frontend-status:fe2', { httpStatus: 200, body: '' });
    } finally {
      fake.status.set('fe2', 'pong');
    }
  });

  it('failing `chef-server-ctl test` → chef-server-ctl-test of that frontend', async () => {
    fake.failPedant('fe2');
    try {
      const r = await validateCluster(plan, deps);
      assert.deepEqual(failedNames(r), ['chef-server-ctl-test:fe2']);
      assert.match(
        check(r, 'chef-server-ctl-test:fe2').message,
        /^fe2: 2 failures of 72 examples \(exit 1\), first: rspec \.\/spec\/api\/search\/search_spec\.rb:42/,
      );
      assertReported(r, 'chef-server-ctl-test:fe2', { exitCode: 1, examples: 72, failures: 2, pending: 1 });
    } finally {
      fake.failPedant('fe2', false);
    }
  });

  it('a down frontend service (status exits 0) → frontend-services of that frontend', async () => {
    fake.serviceDown('fe1', 'opscode-erchef');
    try {
      const r = await validateCluster(plan, deps);
      assert.deepEqual(failedNames(r), ['frontend-services:fe1']);
      assert.match(
        check(r, 'frontend-services:fe1').message,
        /^fe1: opscode-erchef down for 3s — `chef-server-ctl restart opscode-erchef` on fe1/,
      );
      assertReported(r, 'frontend-services:fe1', { exitCode: 0, problems: ['opscode-erchef down for 3s'] });
    } finally {
      fake.serviceUp('fe1', 'opscode-erchef');
    }
  });

  it('Elasticsearch yellow, etcd unhealthy on one node → their checks', async () => {
    fake.es.set('yellow');
    fake.etcd.set('be3', 'unhealthy');
    try {
      const r = await validateCluster(plan, deps);
      assert.deepEqual(failedNames(r), ['elasticsearch-health', 'etcd-health:be3']);
      assert.match(check(r, 'elasticsearch-health').message, /^Elasticsearch status yellow \(5 unassigned/);
      assertReported(r, 'elasticsearch-health', { status: 'yellow', unassigned_shards: 5 });
      assertReported(r, 'etcd-health:be3', { health: 'false' });
    } finally {
      fake.es.set('green');
      fake.etcd.set('be3', 'healthy');
    }
  });

  it('a missing PostgreSQL password names the env var to set', async () => {
    delete process.env[PASSWORD_ENV];
    try {
      const r = await validateCluster(plan, deps);
      // No primary found: every backend is reported on its own, be1 included.
      assert.deepEqual(failedNames(r), [
        'pg-replication:be1',
        'pg-replication:be2',
        'pg-replication:be3',
        'pg-replication:leader',
      ]);
      assert.match(check(r, 'pg-replication:leader').message, /^no backend is a PostgreSQL primary; unreachable: be1/);
      assert.match(check(r, 'pg-replication:be2').message, /no password: \$CM_CLUSTER_CHECKS_PG_PASSWORD is not set/);
    } finally {
      process.env[PASSWORD_ENV] = pg.password;
    }
  });

  it('an unreachable endpoint is a failed check, not a crash', async () => {
    const r = await validateCluster(plan, {
      ...deps,
      urls: {
        ...deps.urls,
        elasticsearch: 'http://127.0.0.1:1',
        etcd: { ...deps.urls?.etcd, be1: 'http://127.0.0.1:1' },
      },
    });
    assert.deepEqual(failedNames(r), ['elasticsearch-health', 'etcd-health:be1']);
    assert.match(check(r, 'etcd-health:be1').message, /ECONNREFUSED/);
  });
});

describe('validateCluster: opt-in failover and load tests', () => {
  beforeEach(() => {
    fake.setLeader('be1');
    fake.leaderl.setLeaders(undefined);
  });

  it('soft failover: demote, new leader, healthy again (timed); refused demote fails it', async () => {
    const r = await validateCluster({ ...plan, failoverTests: { soft: true, hard: false } }, deps);
    const soft = check(r, 'failover-soft');
    assert.equal(soft.pass, true, soft.message);
    assert.equal(soft.evidence.oldLeader, 'be1');
    assert.equal(soft.evidence.newLeader, 'be2');
    // The demoted node resyncs for ~1.2 s in the stub: the check had to poll through it.
    assert.ok(Number(soft.evidence.secondsToHealthy) >= 1, JSON.stringify(soft.evidence));
    assert.ok(Number(soft.evidence.polls) > 1);
    assert.equal(r.ok, true, formatValidationReport(r));

    fake.setLeader('be1');
    fake.failoverOff();
    try {
      const refused = await validateCluster({ ...plan, failoverTests: { soft: true, hard: false } }, deps);
      assert.deepEqual(failedNames(refused), ['failover-soft']);
      assert.match(
        check(refused, 'failover-soft').message,
        /`chef-backend-ctl demote` on be1 exited 1 — is failover disabled/,
      );
    } finally {
      fake.failoverOff(false);
    }
  });

  it('hard failover: postgresql stopped on the leader, new leader, restarted, healthy again (timed)', async () => {
    const r = await validateCluster({ ...plan, failoverTests: { soft: false, hard: true } }, deps);
    const hard = check(r, 'failover-hard');
    assert.equal(hard.pass, true, hard.message);
    assert.equal(hard.evidence.oldLeader, 'be1');
    assert.equal(hard.evidence.newLeader, 'be2');
    assert.ok(Number(hard.evidence.electionSeconds) >= 0.5, JSON.stringify(hard.evidence));
    assert.equal(typeof hard.evidence.recoverySeconds, 'number');
    assert.ok(!existsSync(join(fake.stateDir, 'down/be1.postgresql')), 'postgresql started again on the old leader');
  });

  it('a failover test does not disturb an unhealthy cluster', async () => {
    fake.serviceDown('be3', 'etcd');
    try {
      const r = await validateCluster({ ...plan, failoverTests: { soft: true, hard: false } }, deps);
      assert.match(check(r, 'failover-soft').message, /^not run: the cluster is not healthy before the test/);
      assert.equal(fake.leader(), 'be1');
    } finally {
      fake.serviceUp('be3', 'etcd');
    }
  });

  const profile = (errors500: number) =>
    [
      `time="2024-05-01T10:00:00Z" level=info msg="Total API Requests: ${400 + errors500} over 2.001s. RPS: ${((400 + errors500) / 2.001).toFixed(2)}"`,
      'time="2024-05-01T10:00:00Z" level=info msg="% of Total | Subtotal | Status | Method | URL"',
      'time="2024-05-01T10:00:00Z" level=info msg="95.00        380        200      GET      https://fe1.chef.test/organizations/demo/nodes/<prefix>-<N>"',
      'time="2024-05-01T10:00:00Z" level=info msg="5.00         20         201      POST     https://fe1.chef.test/organizations/demo/clients"',
      ...(errors500
        ? [
            `time="2024-05-01T10:00:00Z" level=info msg="1.00         ${errors500}          500      PUT      https://fe1.chef.test/organizations/demo/nodes/<prefix>-<N>"`,
          ]
        : []),
      '',
    ].join('\n');
  const logLine = (status: number, seconds: number) =>
    JSON.stringify({
      level: 'info',
      msg: 'API Request',
      node_name: 'chef-load-0',
      method: 'GET',
      url: 'https://fe1.chef.test/organizations/demo/nodes/chef-load-0',
      status_code: status,
      request_time_seconds: seconds,
      time: '2024-05-01T10:00:01Z',
    });

  it('load test: chef-load under timeout → requests/s and error counts within maxErrorRate; over it fails', async () => {
    const logFile = join(tmp, 'chef-load.log');
    const config = join(tmp, 'chef-load.toml');
    writeFileSync(config, `chef_server_url = "https://fe1.chef.test/organizations/demo/"\nlog_file = "${logFile}"\n`);
    writeFileSync(logFile, `${logLine(500, 9)}\n`); // an earlier run: must not be counted
    fake.setLoad(profile(0), `${logLine(200, 0.02)}\n${logLine(200, 0.04)}\n`);
    const loadPlan = { ...plan, loadTest: { durationSeconds: 1, chefLoadConfigPath: config, maxErrorRate: 0.01 } };
    const r = await validateCluster(loadPlan, deps);
    const load = check(r, 'load-test');
    assert.equal(load.pass, true, load.message);
    assert.equal(load.evidence.exitCode, 124, 'timeout stopped chef-load');
    assert.equal(load.evidence.totalRequests, 400);
    assert.equal(load.evidence.requestsPerSecond, 199.9);
    assert.equal(load.evidence.serverErrors, 0);
    assert.deepEqual(load.evidence.latencySeconds, { p50: 0.02, p95: 0.04, p99: 0.04 });
    assert.match(load.message, /^400 requests, 199\.9 req\/s, 0 5xx, 0 no-response/);

    fake.setLoad(profile(10));
    const bad = await validateCluster(loadPlan, deps);
    assert.deepEqual(failedNames(bad), ['load-test']);
    assert.match(
      check(bad, 'load-test').message,
      /^410 requests, .* 10 5xx, 0 no-response: error rate 2\.44% over 1\.00%/,
    );
    assertReported(bad, 'load-test', { serverErrors: 10, noResponse: 0, totalRequests: 410 });
  });
});

describe('validateTarget: canaries', () => {
  it('runs each canary command on its host; exit 0 passes, a 401 fails with the key hint', async () => {
    const canaryHost = (name: string) => ({ name, sshHost: '127.0.0.1', sshPort: 22, address: '127.0.0.1' });
    const r = await validateTarget(
      {
        ...plan,
        canaries: [
          {
            host: canaryHost('web1'),
            command: 'echo "Chef Infra Client finished, 3/40 resources updated"',
            nodeName: 'web1',
            org: 'demo',
          },
          {
            host: canaryHost('db1'),
            command: 'echo \'401 "Unauthorized": Failed to authenticate as db1\' >&2; exit 1',
            nodeName: 'db1',
            org: 'demo',
          },
        ],
      },
      deps,
    );
    assert.deepEqual(failedNames(r), ['canary:db1']);
    assert.equal(check(r, 'canary:web1').pass, true);
    assert.match(
      check(r, 'canary:db1').message,
      /^db1: .* exited 1 on db1 — the new server does not hold db1's public key/,
    );
    assertReported(r, 'canary:db1', { exitCode: 1, node: 'db1', org: 'demo' });
    // validateCluster ignores canaries.
    const plain = await validateCluster(
      { ...plan, canaries: [{ host: canaryHost('x'), command: 'exit 1', nodeName: 'x', org: 'o' }] },
      deps,
    );
    assert.equal(plain.ok, true);
  });
});
