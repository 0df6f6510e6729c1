import type { PgEndpoint } from '../checks/pg-replication';
import type { ClusterHost, ClusterPlan } from '../types';

/**
 * Where the HTTP and SQL checks connect: built from the plan (backend `address` + `plan.health` ports, frontend
 * `statusUrls` or `https://<fqdn>/_status`), each overridable per host. The overrides exist for tests, whose fakes
 * all live on 127.0.0.1 with different ports; the plan contract stays as it is.
 */
export interface EndpointOverrides {
  /** Base URL of leaderl per backend name, e.g. `{ be1: 'http://127.0.0.1:40001' }`. */
  leaderl?: Record<string, string>;
  /** One Elasticsearch base URL (any member answers for the cluster). */
  elasticsearch?: string;
  /** Base URL of etcd per backend name. */
  etcd?: Record<string, string>;
  /** PostgreSQL host/port per backend name. */
  postgres?: Record<string, { host: string; port: number }>;
}

/** `host` for a URL: IPv6 literals need brackets. */
export function urlHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

const base = (h: ClusterHost, port: number) => `http://${urlHost(h.address)}:${port}`;

export function leaderlTargets(plan: ClusterPlan, o: EndpointOverrides = {}): { host: string; url: string }[] {
  return plan.backends.map((h) => ({ host: h.name, url: o.leaderl?.[h.name] ?? base(h, plan.health.leaderlPort) }));
}

export function etcdTargets(plan: ClusterPlan, o: EndpointOverrides = {}): { host: string; url: string }[] {
  return plan.backends.map((h) => ({ host: h.name, url: o.etcd?.[h.name] ?? base(h, plan.health.etcdPort) }));
}

/** Every backend, in plan order: the first that answers reports the cluster's health. */
export function elasticsearchUrls(plan: ClusterPlan, o: EndpointOverrides = {}): string[] {
  return o.elasticsearch ? [o.elasticsearch] : plan.backends.map((h) => base(h, plan.health.elasticsearchPort));
}

export function postgresEndpoints(plan: ClusterPlan, o: EndpointOverrides = {}): PgEndpoint[] {
  return plan.backends.map((h) => {
    const over = o.postgres?.[h.name];
    return { name: h.name, host: over?.host ?? h.address, port: over?.port ?? plan.health.postgres.port };
  });
}

export function statusUrl(plan: ClusterPlan, fe: ClusterHost): string {
  return plan.health.statusUrls?.[fe.name] ?? `https://${urlHost(fe.fqdn ?? fe.address)}/_status`;
}
