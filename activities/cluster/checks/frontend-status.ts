import type { CheckResult } from '../types';
import { httpGet, jsonBody, type HttpOptions } from './http';
import { failed, guarded, passed, tail } from './result';

/**
 * A frontend's `/_status` (chef-ha-ops.md §2.5): 200 with `status: pong` and every upstream `pong`. The body is
 * parsed, never trusted from the code alone: goiardi-like servers answer unknown paths with an empty 200.
 */
export async function checkFrontendStatus(
  host: string,
  url: string,
  opts: { http: HttpOptions },
): Promise<CheckResult> {
  const name = `frontend-status:${host}`;
  return guarded(
    name,
    `${host}'s /_status is unreachable at ${url}: check nginx on it (\`chef-server-ctl status nginx\`) and the load balancer`,
    async () => {
      const a = await httpGet(url, opts.http);
      const doc = jsonBody(a.body) as
        { status?: unknown; upstreams?: Record<string, unknown>; keygen?: unknown; indexing?: unknown } | undefined;
      const upstreams = doc && typeof doc.upstreams === 'object' && doc.upstreams ? doc.upstreams : undefined;
      const failing = upstreams
        ? Object.entries(upstreams)
            .filter(([, v]) => v !== 'pong')
            .map(([k, v]) => `${k}=${String(v)}`)
        : [];
      const evidence = {
        url,
        httpStatus: a.status,
        ...(doc ? { status: doc.status, upstreams: upstreams ?? null } : { body: tail(a.body, 300) }),
        ...(failing.length ? { failingUpstreams: failing } : {}),
      };
      if (!doc) {
        const what = a.body.trim() ? 'a body that is not JSON' : 'an empty body';
        return failed(
          name,
          evidence,
          `${host}: /_status answered ${a.status} with ${what} — this is not a Chef Infra Server erchef (wrong URL or proxy?)`,
        );
      }
      if (a.status === 200 && doc.status === 'pong' && upstreams && failing.length === 0)
        return passed(name, evidence, `${host}: pong (${Object.keys(upstreams).join(', ')})`);
      const problems = [
        ...(a.status !== 200 ? [`HTTP ${a.status}`] : []),
        ...(doc.status !== 'pong' ? [`status ${JSON.stringify(doc.status)}`] : []),
        ...(upstreams ? [] : ['no upstreams listed']),
        ...(failing.length ? [`failing upstreams: ${failing.join(', ')}`] : []),
      ];
      const hint = failing.some((f) => /sql/.test(f))
        ? 'PostgreSQL is unreachable through HAProxy: check leaderl /leader and the frontend haproxy'
        : failing.some((f) => /elasticsearch|solr/.test(f))
          ? 'Elasticsearch is unreachable through HAProxy: check ES health and haproxy on the frontend'
          : `check \`chef-server-ctl status\` and /var/log/opscode/opscode-erchef on ${host}`;
      return failed(name, evidence, `${host}: /_status ${problems.join(', ')} — ${hint}`);
    },
  );
}
