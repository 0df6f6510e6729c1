import type { CheckResult } from '../types';
import { httpGet, type HttpOptions } from './http';
import { describeError, failed, passed } from './result';

/**
 * leaderl `GET /leader` on every backend (chef-ha-ops.md §3.2): exactly one answers 200. That is what the frontends'
 * HAProxy routes on, so none means no writes and two means split writes.
 */
export async function checkLeaderlLeader(
  targets: { host: string; url: string }[],
  opts: { http: HttpOptions },
): Promise<CheckResult> {
  const name = 'leaderl-leader';
  const answers = await Promise.all(
    targets.map(async (t) => {
      const url = `${t.url.replace(/\/+$/, '')}/leader`;
      try {
        const a = await httpGet(url, opts.http);
        return { host: t.host, url, status: a.status as number | string };
      } catch (err) {
        return { host: t.host, url, status: `unreachable: ${describeError(err)}` };
      }
    }),
  );
  const leaders = answers.filter((a) => a.status === 200).map((a) => a.host);
  const statuses = Object.fromEntries(answers.map((a) => [a.host, a.status]));
  const evidence = { statuses, leaders, urls: Object.fromEntries(answers.map((a) => [a.host, a.url])) };
  const shown = answers.map((a) => `${a.host} ${a.status}`).join(', ');
  if (leaders.length === 1) return passed(name, { ...evidence, leader: leaders[0] }, `leader ${leaders[0]} (${shown})`);
  if (leaders.length === 0)
    return failed(
      name,
      evidence,
      `no backend answers 200 on /leader (${shown}) — the cluster is leaderless: check \`chef-backend-ctl cluster-status\`, then \`force-leader\``,
    );
  return failed(
    name,
    evidence,
    `${leaders.join(' and ')} all answer 200 on /leader (${shown}) — split brain: stop leaderl on the stale leader before frontends write to it`,
  );
}
