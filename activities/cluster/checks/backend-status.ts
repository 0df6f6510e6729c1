import { backendStatusProblems, parseBackendStatus, type BackendStatus } from '../parsers/backend-status';
import type { CheckResult, RemoteHost } from '../types';
import { failed, guarded, passed, tail } from './result';

/**
 * `chef-backend-ctl status` on one backend, judged by the §1.4 healthy predicate on the TEXT: the exit code is not
 * documented and a down service does not change it.
 */

export interface BackendStatusOptions {
  /** Backends in the cluster (3). */
  nodes: number;
  timeoutSeconds?: number;
}

/** What to do, for the most telling problem: a leaderless cluster explains a down postgresql, not the reverse. */
function advice(problems: string[], host: string): string {
  const has = (re: RegExp) => problems.find((p) => re.test(p));
  if (has(/^leaderless/))
    return 'no leader elected: check `chef-backend-ctl cluster-status`, then `force-leader` (or `promote`) on a healthy node';
  const down = has(/^\S+ (?!running)[a-z_]+(?: \(error|$)/)?.split(' ')[0];
  if (down)
    return `start it (\`chef-backend-ctl start ${down}\` on ${host}) and read /var/log/chef-backend/${down}/current`;
  if (has(/syncing/)) return 'a follower is resyncing: wait and re-run; if it stays, resync it with `pgsql-follow`';
  if (has(/offline/)) return 'a PostgreSQL node is offline: run `chef-backend-ctl status` on each backend to find it';
  if (has(/^disk/)) return `free space on ${host}'s chef-backend disks`;
  if (has(/missing from the table|unreadable/)) return `read the raw \`chef-backend-ctl status\` output on ${host}`;
  return `see /var/log/chef-backend/*/current on ${host} and the recovery steps in chef-ha-ops.md §5`;
}

export function judgeBackendStatus(name: string, host: string, status: BackendStatus, code: number, nodes: number) {
  const problems = backendStatusProblems(status, nodes);
  const evidence = {
    host,
    exitCode: code,
    services: status.services,
    ...(status.disks ? { disks: status.disks } : {}),
    ...(status.errors.length ? { errors: status.errors } : {}),
    ...(status.unparsed.length ? { unparsed: status.unparsed } : {}),
    problems,
  };
  if (problems.length === 0)
    return passed(name, evidence, `${host}: all ${status.services.length} services running, cluster healthy`);
  return failed(name, evidence, `${host}: ${problems.join('; ')} — ${advice(problems, host)}`);
}

export async function checkBackendStatus(host: RemoteHost, opts: BackendStatusOptions): Promise<CheckResult> {
  const hostName = host.host.name;
  const name = `backend-status:${hostName}`;
  return guarded(
    name,
    `could not run \`chef-backend-ctl status\` on ${hostName}: check ssh and the package`,
    async () => {
      const r = await host.run(
        'chef-backend-ctl status',
        opts.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : {},
      );
      const status = parseBackendStatus(r.stdout);
      if (status.services.length === 0) {
        return failed(
          name,
          { host: hostName, exitCode: r.code, stdout: tail(r.stdout), stderr: tail(r.stderr) },
          `${hostName}: \`chef-backend-ctl status\` printed no service table (exit ${r.code}: ${tail(r.stderr || r.stdout, 200)}) — is chef-backend installed and the node joined?`,
        );
      }
      return judgeBackendStatus(name, hostName, status, r.code, opts.nodes);
    },
  );
}
