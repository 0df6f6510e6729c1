import {
  clusterLeader,
  clusterStatusProblems,
  parseClusterStatus,
  type ClusterStatus,
} from '../parsers/cluster-status';
import type { CheckResult, RemoteHost } from '../types';
import { describeError, failed, passed, tail } from './result';

/** `chef-backend-ctl cluster-status` read from the first backend that answers it (any member sees the whole cluster). */

export interface ClusterStatusRead {
  status: ClusterStatus;
  ranOn: string;
  /** Why earlier hosts were skipped. */
  skipped: { host: string; reason: string }[];
}

async function readFrom(host: RemoteHost, timeoutSeconds?: number): Promise<ClusterStatus> {
  const opts = timeoutSeconds ? { timeoutSeconds } : {};
  // `--json` first (a project-contract shape); builds that lack it print an error or the table, and the plain
  // command is the fallback. The parser accepts either format from either call.
  const json = await host.run('chef-backend-ctl cluster-status --json', opts);
  if (json.code === 0) {
    const s = parseClusterStatus(json.stdout);
    if (s.nodes.length) return s;
  }
  const text = await host.run('chef-backend-ctl cluster-status', opts);
  const s = parseClusterStatus(text.stdout);
  if (s.nodes.length) return s;
  throw new Error(`exit ${text.code}: ${tail(text.stderr.trim() || text.stdout.trim(), 300) || 'no output'}`);
}

export async function readClusterStatus(hosts: RemoteHost[], timeoutSeconds?: number): Promise<ClusterStatusRead> {
  const skipped: ClusterStatusRead['skipped'] = [];
  for (const host of hosts) {
    try {
      return { status: await readFrom(host, timeoutSeconds), ranOn: host.host.name, skipped };
    } catch (err) {
      skipped.push({ host: host.host.name, reason: describeError(err) });
    }
  }
  throw new Error(
    `no backend answered cluster-status: ${skipped.map((s) => `${s.host}: ${s.reason}`).join('; ') || 'no backends'}`,
  );
}

export async function checkClusterStatus(
  hosts: RemoteHost[],
  opts: { nodes: number; timeoutSeconds?: number },
): Promise<CheckResult> {
  const name = 'cluster-status';
  let read: ClusterStatusRead;
  try {
    read = await readClusterStatus(hosts, opts.timeoutSeconds);
  } catch (err) {
    return failed(
      name,
      { error: describeError(err) },
      `${describeError(err)} — a non-zero exit means the node is not in a cluster; check the build`,
    );
  }
  const { status, ranOn, skipped } = read;
  const problems = clusterStatusProblems(status, opts.nodes);
  const leader = clusterLeader(status);
  const esMaster = status.nodes.filter((n) => n.es === 'master').map((n) => n.name);
  const evidence = {
    ranOn,
    format: status.format,
    nodes: status.nodes,
    ...(leader ? { leader: leader.name } : {}),
    esMaster,
    problems,
    ...(skipped.length ? { skipped } : {}),
  };
  if (problems.length === 0)
    return passed(
      name,
      evidence,
      `leader ${leader?.name ?? '?'}, ${opts.nodes - 1} followers, ES master ${esMaster[0]}`,
    );
  const hint = /no leader/.test(problems.join(' '))
    ? 'no leader: confirm every node is healthy, then `chef-backend-ctl force-leader` on one'
    : /leaders/.test(problems.join(' '))
      ? 'more than one leader (split brain): stop the stale one before anything writes to it'
      : 'run `chef-backend-ctl status` on the odd node and follow chef-ha-ops.md §5';
  return failed(name, evidence, `${problems.join('; ')} — ${hint}`);
}
