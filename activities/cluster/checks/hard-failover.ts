import type { CheckResult, RemoteHost } from '../types';
import { pollBackends } from './backend-health';
import { describeError, failed, guarded, passed, tail } from './result';
import { healthyLeader, type FailoverOptions } from './soft-failover';

/**
 * Hard failover (opt-in; chef-ha-ops.md §5): stop postgresql on the leader, poll until another node leads (timed),
 * start it again, poll until every backend is healthy again (timed). postgresql is restarted even when a step fails.
 */
export async function runHardFailover(hosts: RemoteHost[], opts: FailoverOptions): Promise<CheckResult> {
  const name = 'failover-hard';
  return guarded(name, 'the hard failover test stopped; check `chef-backend-ctl status` on every backend', async () => {
    const leaderHost = await healthyLeader(hosts, opts.nodes);
    if ('pass' in leaderHost) return { ...leaderHost, name };
    const oldLeader = leaderHost.host.name;
    const commandOpts = { timeoutSeconds: opts.commandTimeoutSeconds ?? 120 };
    const started = Date.now();
    const stop = await leaderHost.run('chef-backend-ctl stop postgresql', commandOpts);
    if (stop.code !== 0)
      return failed(
        name,
        { oldLeader, stopExit: stop.code, output: tail(`${stop.stdout}\n${stop.stderr}`.trim(), 800) },
        `\`chef-backend-ctl stop postgresql\` on ${oldLeader} exited ${stop.code} — nothing was disturbed; see the output`,
      );
    let restartError: string | undefined;
    let restarted = false;
    const restart = async () => {
      if (restarted) return;
      restarted = true;
      const r = await leaderHost.run('chef-backend-ctl start postgresql', commandOpts).catch((err: unknown) => {
        restartError = describeError(err);
        return undefined;
      });
      if (r && r.code !== 0) restartError = `exit ${r.code}: ${tail(`${r.stdout}\n${r.stderr}`.trim(), 300)}`;
    };
    try {
      const election = await pollBackends(hosts, opts, (h) => h.leader !== undefined && h.leader !== oldLeader);
      const electionSeconds = (Date.now() - started) / 1000;
      await restart();
      if (!election.ok) {
        return failed(
          name,
          { oldLeader, electionSeconds: null, polls: election.polls, problems: election.last.problems, restartError },
          `no new leader ${opts.timeoutSeconds}s after stopping postgresql on ${oldLeader} (${election.last.problems[0] ?? ''}) — check leaderl health checks and \`set-cluster-failover\``,
        );
      }
      const restartedAt = Date.now();
      const recovery = await pollBackends(hosts, opts, (h) => h.healthy);
      const recoverySeconds = (Date.now() - restartedAt) / 1000;
      const evidence = {
        oldLeader,
        newLeader: election.last.leader,
        electionSeconds,
        recoverySeconds: recovery.ok ? recoverySeconds : null,
        totalSeconds: (Date.now() - started) / 1000,
        polls: election.polls + recovery.polls,
        ...(restartError ? { restartError } : {}),
        ...(recovery.ok ? {} : { problems: recovery.last.problems }),
      };
      if (recovery.ok && !restartError)
        return passed(
          name,
          evidence,
          `${oldLeader} → ${election.last.leader} in ${electionSeconds.toFixed(1)}s; healthy again ${recoverySeconds.toFixed(1)}s after restarting postgresql`,
        );
      return failed(
        name,
        evidence,
        `new leader ${election.last.leader} after ${electionSeconds.toFixed(1)}s, but ${restartError ? `restarting postgresql on ${oldLeader} failed (${restartError})` : `not healthy ${opts.timeoutSeconds}s after restarting postgresql on ${oldLeader} (${recovery.last.problems[0] ?? ''})`} — a deposed leader may keep leaderl/data/no-start-pgsql: resync it with \`pgsql-follow\` (chef-ha-ops.md §5)`,
      );
    } finally {
      await restart();
    }
  });
}
