import { checkBackendStatus } from '../checks/backend-status';
import { checkCanary } from '../checks/canary';
import { checkClusterStatus } from '../checks/cluster-status';
import { checkElasticsearchHealth } from '../checks/elasticsearch-health';
import { checkEtcdHealth } from '../checks/etcd-health';
import { checkFrontendServices } from '../checks/frontend-services';
import { checkFrontendStatus } from '../checks/frontend-status';
import { runHardFailover } from '../checks/hard-failover';
import type { HttpOptions } from '../checks/http';
import { checkLeaderlLeader } from '../checks/leaderl-leader';
import { runLoadTest } from '../checks/load-test';
import { checkPgReplication } from '../checks/pg-replication';
import { describeError, failed } from '../checks/result';
import { checkServerTest } from '../checks/server-test';
import { runSoftFailover } from '../checks/soft-failover';
import type { CheckResult, ClusterHost, ClusterPlan, RemoteHost, ValidationReport } from '../types';
import {
  elasticsearchUrls,
  etcdTargets,
  leaderlTargets,
  postgresEndpoints,
  statusUrl,
  type EndpointOverrides,
} from './endpoints';

export { formatValidationReport } from './format-report';
export type { EndpointOverrides } from './endpoints';

export interface ValidateDeps {
  hostFactory: (h: ClusterHost) => RemoteHost;
  /** Called as each check completes (progress / heartbeat). */
  onCheck?: (c: CheckResult) => void;
  /** PostgreSQL password; else read from the env var `plan.health.postgres.passwordEnv`. Never logged. */
  pgPassword?: string;
  /** Per-host endpoint overrides (tests point them at fakes). */
  urls?: EndpointOverrides;
  /** Per-request timeout of the HTTP health calls (default 5000 ms). */
  httpTimeoutMs?: number;
  /** Accept a self-signed frontend certificate on `https://<fqdn>/_status`. */
  insecureTls?: boolean;
  /** Where chef-load runs (e.g. the worker host); default the first frontend. Not closed by the validation. */
  loadTestHost?: RemoteHost;
  /** Arguments for `chef-server-ctl test` (default none = pedant `--smoke`). */
  serverTestArgs?: string;
}

/** chef-server-ctl test (pedant) takes minutes even in smoke mode: never less than this, whatever the ssh default. */
const MIN_SERVER_TEST_SECONDS = 600;

function pgPassword(plan: ClusterPlan, deps: ValidateDeps): string | undefined {
  if (deps.pgPassword !== undefined) return deps.pgPassword;
  const env = plan.health.postgres.passwordEnv;
  return env ? process.env[env] : undefined;
}

/** Opens hosts lazily, once each, and closes them all at the end. */
class Hosts {
  private readonly open = new Map<string, RemoteHost>();
  constructor(private readonly factory: (h: ClusterHost) => RemoteHost) {}
  get(h: ClusterHost): RemoteHost {
    const key = `${h.name}@${h.sshHost}:${h.sshPort}`;
    let host = this.open.get(key);
    if (!host) {
      host = this.factory(h);
      this.open.set(key, host);
    }
    return host;
  }
  async closeAll(): Promise<void> {
    await Promise.all([...this.open.values()].map((h) => h.close().catch(() => undefined)));
  }
}

async function run(plan: ClusterPlan, deps: ValidateDeps, withCanaries: boolean): Promise<ValidationReport> {
  const startedAt = new Date();
  const hosts = new Hosts(deps.hostFactory);
  const nodes = plan.backends.length;
  const http: HttpOptions = {
    timeoutMs: deps.httpTimeoutMs ?? 5000,
    ...(deps.insecureTls ? { insecureTls: true } : {}),
  };
  const commandTimeout = plan.ssh.commandTimeoutSeconds;
  const report = (c: CheckResult) => {
    try {
      deps.onCheck?.(c);
    } catch {
      // A progress callback must not change the verdict.
    }
    return c;
  };
  /** Results keep the order the checks are listed in, whatever order they finish in. */
  const slots: Promise<CheckResult[]>[] = [];
  const one = (p: Promise<CheckResult>) => slots.push(p.then((c) => [report(c)]));
  const many = (p: Promise<CheckResult[]>) => slots.push(p.then((cs) => cs.map(report)));
  try {
    const backends = plan.backends.map((b) => hosts.get(b));
    const frontends = plan.frontends.map((f) => hosts.get(f));
    for (const b of backends) one(checkBackendStatus(b, { nodes, timeoutSeconds: commandTimeout }));
    one(checkClusterStatus(backends, { nodes, timeoutSeconds: commandTimeout }));
    const pg = plan.health.postgres;
    const password = pgPassword(plan, deps);
    many(
      checkPgReplication(postgresEndpoints(plan, deps.urls), {
        user: pg.user,
        database: pg.database,
        ...(password !== undefined ? { password } : {}),
        ...(pg.passwordEnv ? { missingPasswordHint: `no password: $${pg.passwordEnv} is not set` } : {}),
        maxLagBytes: plan.thresholds.maxReplicationLagBytes,
        timeoutMs: http.timeoutMs,
      }).catch((err: unknown) => [failed('pg-replication:leader', { error: describeError(err) }, describeError(err))]),
    );
    one(checkElasticsearchHealth(elasticsearchUrls(plan, deps.urls), { nodes, http }));
    for (const t of etcdTargets(plan, deps.urls)) one(checkEtcdHealth(t.host, t.url, { nodes, http }));
    one(checkLeaderlLeader(leaderlTargets(plan, deps.urls), { http }));
    for (const [i, fe] of plan.frontends.entries()) {
      const host = frontends[i];
      one(checkFrontendStatus(fe.name, statusUrl(plan, fe), { http }));
      if (!host) continue;
      one(checkFrontendServices(host, { timeoutSeconds: commandTimeout }));
      one(
        checkServerTest(host, {
          timeoutSeconds: Math.max(commandTimeout, MIN_SERVER_TEST_SECONDS),
          ...(deps.serverTestArgs ? { args: deps.serverTestArgs } : {}),
        }),
      );
    }
    if (withCanaries) {
      for (const c of plan.canaries ?? [])
        one(checkCanary(hosts.get(c.host), c, { timeoutSeconds: Math.max(commandTimeout, MIN_SERVER_TEST_SECONDS) }));
    }
    const checks = (await Promise.all(slots)).flat();

    // The disruptive tests run one at a time, after the steady-state checks (each re-checks health before it starts).
    const failover = {
      nodes,
      timeoutSeconds: plan.thresholds.failoverTimeoutSeconds,
      pollSeconds: plan.thresholds.pollIntervalSeconds,
      commandTimeoutSeconds: commandTimeout,
    };
    if (plan.failoverTests.soft) checks.push(report(await runSoftFailover(backends, failover)));
    if (plan.failoverTests.hard) checks.push(report(await runHardFailover(backends, failover)));
    const loadHost = deps.loadTestHost ?? frontends[0];
    if (plan.loadTest) {
      checks.push(
        report(
          loadHost
            ? await runLoadTest(loadHost, {
                durationSeconds: plan.loadTest.durationSeconds,
                configPath: plan.loadTest.chefLoadConfigPath,
                maxErrorRate: plan.loadTest.maxErrorRate,
              })
            : failed('load-test', {}, 'no frontend and no load host to run chef-load on — add one to the plan'),
        ),
      );
    }
    return {
      ok: checks.length > 0 && checks.every((c) => c.pass),
      checks,
      startedAt: startedAt.toISOString(),
      seconds: (Date.now() - startedAt.getTime()) / 1000,
    };
  } finally {
    await hosts.closeAll();
  }
}

/** Every applicable check of a built cluster (steady state, then the opt-in failover and load tests). */
export function validateCluster(plan: ClusterPlan, deps: ValidateDeps): Promise<ValidationReport> {
  return run(plan, deps, false);
}

/** validateCluster plus the canaries: each canary's command run on its host must exit 0. */
export function validateTarget(plan: ClusterPlan, deps: ValidateDeps): Promise<ValidationReport> {
  return run(plan, deps, true);
}
