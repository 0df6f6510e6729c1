import type { ClusterNode } from '../parsers/cluster-status';
import type { CheckResult, RemoteHost } from '../types';
import { checkBackendStatus } from './backend-status';
import { checkClusterStatus } from './cluster-status';

/**
 * "Healthy again" for the failover tests (chef-ha-ops.md §5), from the ctl side: the §1.4 predicate on every backend
 * and a healthy `cluster-status`. Cheap enough to poll.
 */
export interface BackendHealth {
  healthy: boolean;
  /** The plan name of the leader `cluster-status` reports, when there is exactly one. */
  leader?: string;
  problems: string[];
  checks: CheckResult[];
}

/** The plan host a `cluster-status` node is: same name, else same address (node names need not be plan names). */
export function planHostOf(node: Pick<ClusterNode, 'name' | 'ip'>, hosts: RemoteHost[]): RemoteHost | undefined {
  return (
    hosts.find((h) => h.host.name === node.name) ??
    hosts.find((h) => node.ip !== undefined && [h.host.address, h.host.sshHost].includes(node.ip)) ??
    hosts.find((h) => h.host.fqdn === node.name)
  );
}

export async function probeBackendHealth(
  hosts: RemoteHost[],
  opts: { nodes: number; timeoutSeconds?: number },
): Promise<BackendHealth> {
  const checks = await Promise.all([checkClusterStatus(hosts, opts), ...hosts.map((h) => checkBackendStatus(h, opts))]);
  const cluster = checks[0];
  const leaderName = cluster?.evidence.leader;
  const nodes = (cluster?.evidence.nodes ?? []) as ClusterNode[];
  const leaderNode = nodes.find((n) => n.name === leaderName);
  const leader = leaderNode ? (planHostOf(leaderNode, hosts)?.host.name ?? leaderNode.name) : undefined;
  const failing = checks.filter((c) => !c.pass);
  return {
    healthy: failing.length === 0,
    ...(leader ? { leader } : {}),
    problems: failing.map((c) => `${c.name}: ${c.message}`),
    checks,
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `done(probe)` or the deadline; returns the last probe, how long it took and how many probes ran. */
export async function pollBackends(
  hosts: RemoteHost[],
  opts: { nodes: number; timeoutSeconds: number; pollSeconds: number; commandTimeoutSeconds?: number },
  done: (h: BackendHealth) => boolean,
): Promise<{ ok: boolean; last: BackendHealth; seconds: number; polls: number }> {
  const started = Date.now();
  const deadline = started + opts.timeoutSeconds * 1000;
  let polls = 0;
  for (;;) {
    polls++;
    const last = await probeBackendHealth(hosts, {
      nodes: opts.nodes,
      ...(opts.commandTimeoutSeconds ? { timeoutSeconds: opts.commandTimeoutSeconds } : {}),
    });
    const seconds = (Date.now() - started) / 1000;
    if (done(last)) return { ok: true, last, seconds, polls };
    if (Date.now() + opts.pollSeconds * 1000 > deadline) return { ok: false, last, seconds, polls };
    await sleep(opts.pollSeconds * 1000);
  }
}
