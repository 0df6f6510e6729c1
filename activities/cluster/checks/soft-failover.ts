import type { CheckResult, RemoteHost } from '../types';
import { pollBackends, probeBackendHealth } from './backend-health';
import { failed, guarded, passed, tail } from './result';

/**
 * Soft failover (opt-in; chef-ha-ops.md §5): `chef-backend-ctl demote` on the leader, then poll until another node
 * leads and every backend is healthy again. Timed, because the failover budget is what the operator wants to know.
 */

export interface FailoverOptions {
  nodes: number;
  timeoutSeconds: number;
  pollSeconds: number;
  commandTimeoutSeconds?: number;
}

/** The leader's host when the cluster is healthy; otherwise the 'not run' result (a disruptive test needs health). */
export async function healthyLeader(hosts: RemoteHost[], nodes: number): Promise<RemoteHost | CheckResult> {
  const before = await probeBackendHealth(hosts, { nodes });
  const leaderHost = hosts.find((h) => h.host.name === before.leader);
  if (before.healthy && leaderHost) return leaderHost;
  return failed(
    'failover',
    { skipped: true, problems: before.problems },
    `not run: the cluster is not healthy before the test (${before.problems[0] ?? 'no leader'}) — fix that first`,
  );
}

export async function runSoftFailover(hosts: RemoteHost[], opts: FailoverOptions): Promise<CheckResult> {
  const name = 'failover-soft';
  return guarded(name, 'the soft failover test stopped; check `chef-backend-ctl cluster-status`', async () => {
    const leaderHost = await healthyLeader(hosts, opts.nodes);
    if ('pass' in leaderHost) return { ...leaderHost, name };
    const oldLeader = leaderHost.host.name;
    const started = Date.now();
    // demote exits 0 only once a new leader is elected; allow it the whole failover budget.
    const demote = await leaderHost.run('chef-backend-ctl demote', { timeoutSeconds: opts.timeoutSeconds });
    const demoteSeconds = (Date.now() - started) / 1000;
    if (demote.code !== 0) {
      return failed(
        name,
        {
          oldLeader,
          demoteExit: demote.code,
          demoteSeconds,
          output: tail(`${demote.stdout}\n${demote.stderr}`.trim(), 800),
        },
        `\`chef-backend-ctl demote\` on ${oldLeader} exited ${demote.code} — is failover disabled (\`set-cluster-failover on\`)? See the output`,
      );
    }
    const remaining = Math.max(opts.pollSeconds, opts.timeoutSeconds - demoteSeconds);
    const poll = await pollBackends(
      hosts,
      { ...opts, timeoutSeconds: remaining },
      (h) => h.healthy && h.leader !== undefined && h.leader !== oldLeader,
    );
    const seconds = (Date.now() - started) / 1000;
    const evidence = {
      oldLeader,
      newLeader: poll.last.leader ?? null,
      demoteSeconds,
      secondsToHealthy: poll.ok ? seconds : null,
      polls: poll.polls,
      timeoutSeconds: opts.timeoutSeconds,
      ...(poll.ok ? {} : { problems: poll.last.problems }),
    };
    if (poll.ok)
      return passed(name, evidence, `${oldLeader} → ${poll.last.leader}: healthy again after ${seconds.toFixed(1)}s`);
    const why = poll.last.leader === oldLeader ? `${oldLeader} still leads` : (poll.last.problems[0] ?? 'not healthy');
    return failed(
      name,
      evidence,
      `not healthy ${opts.timeoutSeconds}s after demoting ${oldLeader}: ${why} — see chef-ha-ops.md §5 (no-start-pgsql / unsynced sentinels, pgsql-follow)`,
    );
  });
}
