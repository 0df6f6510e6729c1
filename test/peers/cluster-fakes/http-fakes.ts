import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Loopback HTTP fakes of the health endpoints the validation calls (chef-ha-ops.md §2.5, §3.2–3.4), each switchable to
 * the failure shapes the checks must catch. Every server listens on 127.0.0.1 with a port of its own.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FakeServer {
  url: string;
  /** Requests seen (method + path), for asserting what the checks called. */
  requests: string[];
  close(): Promise<void>;
}

export async function startHttp(handler: Handler): Promise<FakeServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

// ---- Elasticsearch -------------------------------------------------------------------------------------------

export type EsShape = 'green' | 'yellow' | 'red' | 'two-nodes' | 'error-500';

export function esHealth(shape: EsShape): { status: number; body: unknown } {
  if (shape === 'error-500') return { status: 500, body: 'internal error' };
  const status = shape === 'two-nodes' ? 'yellow' : shape;
  const nodes = shape === 'two-nodes' ? 2 : 3;
  return {
    status: 200,
    body: {
      cluster_name: 'ChefBackend-a1b2c3d4',
      status,
      timed_out: false,
      number_of_nodes: nodes,
      number_of_data_nodes: nodes,
      active_primary_shards: 5,
      active_shards: status === 'green' ? 10 : status === 'yellow' ? 5 : 3,
      relocating_shards: 0,
      initializing_shards: 0,
      unassigned_shards: status === 'green' ? 0 : status === 'yellow' ? 5 : 7,
      delayed_unassigned_shards: 0,
      number_of_pending_tasks: 0,
      number_of_in_flight_fetch: 0,
      task_max_waiting_in_queue_millis: 0,
      active_shards_percent_as_number: status === 'green' ? 100 : 50,
    },
  };
}

export async function startElasticsearchFake(initial: EsShape = 'green') {
  let shape = initial;
  const server = await startHttp((req, res) => {
    if (req.url?.startsWith('/_cluster/health')) {
      const a = esHealth(shape);
      return send(res, a.status, a.body);
    }
    send(res, 404, { error: 'no handler' });
  });
  return { ...server, set: (s: EsShape) => void (shape = s) };
}

// ---- etcd (v2) ------------------------------------------------------------------------------------------------

export type EtcdShape = 'healthy' | 'unhealthy' | 'two-members';

export async function startEtcdFakes(names: string[]) {
  const shapes = new Map<string, EtcdShape>(names.map((n) => [n, 'healthy']));
  const servers = new Map<string, FakeServer>();
  for (const name of names) {
    servers.set(
      name,
      await startHttp((req, res) => {
        const shape = shapes.get(name) ?? 'healthy';
        if (req.url === '/health') return send(res, 200, { health: shape === 'unhealthy' ? 'false' : 'true' });
        if (req.url === '/version') return send(res, 200, { etcdserver: '2.3.8', etcdcluster: '2.3.0' });
        if (req.url === '/v2/members') {
          const members = (shape === 'two-members' ? names.slice(0, 2) : names).map((n, i) => ({
            id: `8e9e05c52164694${i}`,
            name: n,
            peerURLs: [`http://127.0.0.1:${2380 + i}`],
            clientURLs: [`http://127.0.0.1:${2379 + i}`],
          }));
          return send(res, 200, { members });
        }
        send(res, 404, '404 page not found');
      }),
    );
  }
  return {
    urls: Object.fromEntries([...servers].map(([n, s]) => [n, s.url])),
    set: (name: string, shape: EtcdShape) => void shapes.set(name, shape),
    close: () => Promise.all([...servers.values()].map((s) => s.close())).then(() => undefined),
  };
}

// ---- leaderl ----------------------------------------------------------------------------------------------------

/**
 * Three leaderl `/leader` endpoints: 200 on the leader(s), 503 elsewhere. `leaders` is asked on every request, so a
 * test can tie it to the stub ctl state (a failover moves the leader for both).
 */
export async function startLeaderlFakes(names: string[], leaders: () => string[]) {
  let override: string[] | undefined;
  const servers = new Map<string, FakeServer>();
  for (const name of names) {
    servers.set(
      name,
      await startHttp((req, res) => {
        if (req.url !== '/leader') return send(res, 404, 'not found');
        const current = override ?? leaders();
        if (current.includes(name)) return send(res, 200, 'leader');
        send(res, 503, 'not leader');
      }),
    );
  }
  return {
    urls: Object.fromEntries([...servers].map(([n, s]) => [n, s.url])),
    /** Fixes the answer (`[]` = no leader, two names = split brain); `undefined` goes back to `leaders()`. */
    setLeaders: (names?: string[]) => void (override = names),
    close: () => Promise.all([...servers.values()].map((s) => s.close())).then(() => undefined),
  };
}

// ---- frontend /_status --------------------------------------------------------------------------------------------

export type StatusShape = 'pong' | 'fail-500' | 'empty-200' | 'pong-with-failing-upstream';

export const STATUS_PONG = {
  status: 'pong',
  upstreams: { chef_elasticsearch: 'pong', chef_sql: 'pong', oc_chef_authz: 'pong' },
  keygen: { keys: 10, max: 10, max_workers: 4, cur_max_workers: 4, inflight: 0, avail_workers: 4, start_size: 0 },
  indexing: { mode: 'batch' },
};

export async function startStatusFakes(names: string[]) {
  const shapes = new Map<string, StatusShape>(names.map((n) => [n, 'pong']));
  const servers = new Map<string, FakeServer>();
  for (const name of names) {
    servers.set(
      name,
      await startHttp((req, res) => {
        const shape = shapes.get(name) ?? 'pong';
        if (shape === 'empty-200') {
          // What goiardi (and other test servers) answer for a path they do not know.
          res.writeHead(200);
          return res.end();
        }
        if (!/^\/_status\/?$/.test(req.url ?? '')) return send(res, 404, 'not found');
        if (shape === 'fail-500')
          return send(res, 500, {
            ...STATUS_PONG,
            status: 'fail',
            upstreams: { ...STATUS_PONG.upstreams, chef_sql: 'fail' },
          });
        if (shape === 'pong-with-failing-upstream')
          return send(res, 200, {
            ...STATUS_PONG,
            upstreams: { ...STATUS_PONG.upstreams, chef_elasticsearch: 'fail' },
          });
        send(res, 200, STATUS_PONG);
      }),
    );
  }
  return {
    urls: Object.fromEntries([...servers].map(([n, s]) => [n, `${s.url}/_status`])),
    set: (name: string, shape: StatusShape) => void shapes.set(name, shape),
    close: () => Promise.all([...servers.values()].map((s) => s.close())).then(() => undefined),
  };
}
