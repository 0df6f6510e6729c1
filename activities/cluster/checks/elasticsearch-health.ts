import type { CheckResult } from '../types';
import { httpGet, jsonBody, type HttpOptions } from './http';
import { describeError, failed, passed, tail } from './result';

/** `GET /_cluster/health` (chef-ha-ops.md §3.3) from the first backend that answers: green with every node. */

interface EsHealth {
  cluster_name?: string;
  status?: string;
  timed_out?: boolean;
  number_of_nodes?: number;
  number_of_data_nodes?: number;
  active_shards?: number;
  relocating_shards?: number;
  initializing_shards?: number;
  unassigned_shards?: number;
  active_shards_percent_as_number?: number;
}

const FIELDS = [
  'cluster_name',
  'status',
  'timed_out',
  'number_of_nodes',
  'number_of_data_nodes',
  'active_shards',
  'relocating_shards',
  'initializing_shards',
  'unassigned_shards',
  'active_shards_percent_as_number',
] as const;

export async function checkElasticsearchHealth(
  baseUrls: string[],
  opts: { nodes: number; http: HttpOptions },
): Promise<CheckResult> {
  const name = 'elasticsearch-health';
  const tried: { url: string; error: string }[] = [];
  for (const base of baseUrls) {
    const url = `${base.replace(/\/+$/, '')}/_cluster/health`;
    let answer;
    try {
      answer = await httpGet(url, opts.http);
    } catch (err) {
      tried.push({ url, error: describeError(err) });
      continue;
    }
    const doc = jsonBody(answer.body) as EsHealth | undefined;
    if (answer.status !== 200 || !doc || typeof doc !== 'object') {
      return failed(
        name,
        { url, httpStatus: answer.status, body: tail(answer.body, 500), tried },
        `${url} answered ${answer.status} without a health document — is Elasticsearch running (\`chef-backend-ctl status elasticsearch\`)?`,
      );
    }
    const health = Object.fromEntries(FIELDS.filter((f) => f in doc).map((f) => [f, doc[f]]));
    const evidence = { url, ...health, expectedNodes: opts.nodes, ...(tried.length ? { tried } : {}) };
    const problems: string[] = [];
    if (doc.status !== 'green') problems.push(`status ${doc.status ?? 'missing'}`);
    if (doc.number_of_nodes !== opts.nodes) problems.push(`${doc.number_of_nodes ?? '?'} of ${opts.nodes} nodes`);
    if (doc.timed_out) problems.push('health request timed out');
    if (problems.length === 0)
      return passed(name, evidence, `green, ${doc.number_of_nodes} nodes, ${doc.active_shards ?? '?'} active shards`);
    const shards = `${doc.unassigned_shards ?? '?'} unassigned, ${doc.initializing_shards ?? '?'} initializing shards`;
    const hint =
      doc.status === 'red'
        ? 'primary shards are missing: bring every backend back, then `chef-server-ctl reindex --all` if data is gone'
        : doc.number_of_nodes !== opts.nodes
          ? 'a node has left the ES cluster: check elasticsearch on each backend (`chef-backend-ctl status`)'
          : 'replicas are not allocated yet: wait and re-run; if it stays, check disk watermarks';
    return failed(name, evidence, `Elasticsearch ${problems.join(', ')} (${shards}) — ${hint}`);
  }
  return failed(
    name,
    { tried },
    `no backend answered /_cluster/health (${tried.map((t) => `${t.url}: ${t.error}`).join('; ')}) — check elasticsearch and port 9200 from this worker`,
  );
}
