import { parseClusterStatus, type ClusterNode } from '../parsers/cluster-status';
import type { ClusterHost, ClusterThresholds, RemoteHost } from '../types';

/** Whether a backend belongs to a cluster: `cluster-status` exits 0 only then (the chef-ingredient guard, §1.1). */
export async function inCluster(be: RemoteHost): Promise<boolean> {
  return (await be.run('chef-backend-ctl cluster-status')).code === 0;
}

/**
 * Healthy as leader (leaderl and PG leader), as follower (following, PG synced: `follower`), or as either (`member`:
 * a re-run after a failover finds be1 following another leader, which is fine).
 */
export type MemberRole = 'leader' | 'follower' | 'member';

function healthyAs(node: ClusterNode, want: MemberRole): boolean {
  const leader = node.role === 'leader' && node.pg === 'leader';
  const follower = node.role === 'follower' && node.pg === 'follower';
  return want === 'leader' ? leader : want === 'follower' ? follower : leader || follower;
}

export class MemberWaitTimeout extends Error {
  override name = 'MemberWaitTimeout';
}

/**
 * Polls `cluster-status --json` on `observer` until `target` (matched by address, else by name) is a healthy
 * `want`. The docs' rule for joins: the next node joins only once the previous one is in (§1.1 step 3, §7).
 */
export async function waitForMember(
  observer: RemoteHost,
  target: ClusterHost,
  want: MemberRole,
  thresholds: Pick<ClusterThresholds, 'joinTimeoutSeconds' | 'pollIntervalSeconds'>,
): Promise<ClusterNode> {
  const deadline = Date.now() + thresholds.joinTimeoutSeconds * 1000;
  let last = 'no answer yet';
  for (;;) {
    const r = await observer.run('chef-backend-ctl cluster-status --json');
    if (r.code === 0) {
      const nodes = parseClusterStatus(r.stdout).nodes;
      const node = nodes.find((n) => n.ip === target.address) ?? nodes.find((n) => n.name === target.name);
      if (node && healthyAs(node, want)) return node;
      last = node ? `role ${node.role}, PG ${node.pg}` : `not listed (${nodes.length} members)`;
    } else {
      last = `cluster-status exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
    }
    if (Date.now() >= deadline) {
      throw new MemberWaitTimeout(
        `${target.name} (${target.address}) did not become a healthy ${want} within ` +
          `${thresholds.joinTimeoutSeconds} s; last seen from ${observer.host.name}: ${last}`,
      );
    }
    await new Promise((res) => setTimeout(res, Math.max(50, thresholds.pollIntervalSeconds * 1000)));
  }
}
