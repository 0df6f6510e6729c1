import { parseServerStatus, serverStatusProblems } from '../parsers/server-status';
import type { CheckResult, RemoteHost } from '../types';
import { failed, guarded, passed, tail } from './result';

/** `chef-server-ctl status` on a frontend: judged on the text (the exit code ignores down and external services). */
export async function checkFrontendServices(
  host: RemoteHost,
  opts: { timeoutSeconds?: number } = {},
): Promise<CheckResult> {
  const h = host.host.name;
  const name = `frontend-services:${h}`;
  return guarded(name, `could not run \`chef-server-ctl status\` on ${h}: check ssh and the package`, async () => {
    const r = await host.run(
      'chef-server-ctl status',
      opts.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : {},
    );
    const status = parseServerStatus(r.stdout);
    const problems = serverStatusProblems(status);
    const up = status.services.filter((s) => s.state === 'run' && !s.external);
    const evidence = {
      host: h,
      exitCode: r.code,
      services: status.services.map((s) => ({
        name: s.name,
        state: s.state,
        external: s.external,
        ...(s.pid !== undefined ? { pid: s.pid } : {}),
        ...(s.seconds !== undefined ? { seconds: s.seconds } : {}),
        ...(s.external ? { detail: s.detail } : {}),
      })),
      // Runit restarts crashed services: a very short uptime is the trace of a crash loop.
      shortestUptimeSeconds: up.length ? Math.min(...up.map((s) => s.seconds ?? Infinity)) : null,
      problems,
      ...(status.services.length === 0 ? { stdout: tail(r.stdout, 500), stderr: tail(r.stderr, 500) } : {}),
    };
    if (problems.length === 0) return passed(name, evidence, `${h}: ${status.services.length} services up`);
    const first = status.services.find((s) => s.state !== 'run');
    const hint = first
      ? first.external
        ? `the backend ${first.name} is unreachable from ${h}: check HAProxy and leaderl /leader`
        : `\`chef-server-ctl restart ${first.name}\` on ${h} and read /var/log/opscode/${first.name}/current`
      : 'is chef-server-core installed and reconfigured?';
    return failed(name, evidence, `${h}: ${problems.join('; ')} — ${hint}`);
  });
}
