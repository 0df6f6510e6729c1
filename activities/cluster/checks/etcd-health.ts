import type { CheckResult } from '../types';
import { httpGet, jsonBody, type HttpOptions } from './http';
import { describeError, failed, guarded, passed, tail } from './result';

/** etcd v2 on one backend (chef-ha-ops.md §3.4): `GET /health` is `{"health":"true"}` and `/v2/members` lists every node. */

export async function checkEtcdHealth(
  host: string,
  baseUrl: string,
  opts: { nodes: number; http: HttpOptions },
): Promise<CheckResult> {
  const name = `etcd-health:${host}`;
  const base = baseUrl.replace(/\/+$/, '');
  return guarded(
    name,
    `etcd on ${host} is unreachable at ${base}: check \`chef-backend-ctl status etcd\` and port 2379`,
    async () => {
      const [health, members] = await Promise.all([
        httpGet(`${base}/health`, opts.http),
        httpGet(`${base}/v2/members`, opts.http).catch((err: unknown) => ({
          status: 0,
          body: '',
          error: describeError(err),
        })),
      ]);
      const h = jsonBody(health.body) as { health?: unknown } | undefined;
      const m = jsonBody(members.body) as { members?: { name?: string; clientURLs?: string[] }[] } | undefined;
      // etcd 2.x answers the string "true"; later builds a boolean — both mean healthy.
      const healthy = h?.health === 'true' || h?.health === true;
      const list = Array.isArray(m?.members) ? m.members : undefined;
      const evidence = {
        url: base,
        healthStatus: health.status,
        health: h?.health ?? tail(health.body, 200),
        membersStatus: members.status,
        members: list?.map((x) => x.name ?? '?') ?? null,
        ...('error' in members ? { membersError: members.error } : {}),
      };
      const problems: string[] = [];
      if (health.status !== 200 || !healthy)
        problems.push(`/health ${health.status} ${JSON.stringify(h?.health ?? health.body.slice(0, 80))}`);
      if (!list) problems.push(`/v2/members unreadable (${members.status})`);
      else if (list.length !== opts.nodes) problems.push(`${list.length} of ${opts.nodes} members`);
      if (problems.length === 0) return passed(name, evidence, `${host}: etcd healthy, ${list?.length} members`);
      const hint =
        list && list.length !== opts.nodes
          ? 'a member is missing: `chef-backend-ctl remove-node` the dead one and rejoin it (chef-ha-ops.md §1.2)'
          : 'etcd has lost quorum or this member is unhealthy: check clocks (< 1.5 s drift) and disk latency, then `chef-backend-ctl restart etcd`';
      return failed(name, evidence, `${host}: etcd ${problems.join(', ')} — ${hint}`);
    },
  );
}
