import { openRemoteHost } from '../ssh/remote-host';
import type { BuildReport, BuildStep, ClusterHost, ClusterPlan, RemoteHost } from '../types';
import { ensureClusterCreated, ensureJoined, ensurePublishAddress } from './backends';
import { inCluster } from './cluster-membership';
import { ensureFirstFrontend, ensureOtherFrontend, ensureServerConfig } from './frontends';
import { preflight, validatePlan } from './preflight';
import { StepLog } from './step-log';

export interface BuildOptions {
  /** Called as each step finishes (the activity passes it to heartbeat details). */
  onStep?: (s: BuildStep) => void;
  /**
   * How a host is reached. Hosts it returns belong to the caller and stay open (e.g. shared with the validation);
   * without it the build opens its own ssh connections (system ssh client, the plan's settings) and closes them.
   */
  hostFactory?: (h: ClusterHost) => RemoteHost;
}

/**
 * Builds the Chef HA cluster of the plan, in the docs' order (chef-ha-ops.md §1.1, §2.1, §2.2): preflight; be1
 * creates the cluster; be2 then be3 join, each only after the previous one is a healthy follower; each frontend gets
 * its generated chef-server.rb; fe1 bootstraps; the other frontends get fe1's secrets and reconfigure. Every step
 * checks first whether it is already done, so a re-run on a built cluster changes nothing and reports `noop`.
 */
export async function buildCluster(plan: ClusterPlan, opts: BuildOptions = {}): Promise<BuildReport> {
  const started = Date.now();
  validatePlan(plan);
  const owned = !opts.hostFactory;
  const open = opts.hostFactory ?? ((h: ClusterHost) => openRemoteHost(h, plan.ssh));
  const hosts = new Map<string, RemoteHost>();
  const remote = (h: ClusterHost): RemoteHost => {
    let r = hosts.get(h.name);
    if (!r) hosts.set(h.name, (r = open(h)));
    return r;
  };
  const log = new StepLog(opts.onStep);
  try {
    await preflight(plan, remote, log);

    const [be1, ...followers] = plan.backends.map(remote);
    if (!be1) throw new Error('unreachable: validatePlan requires three backends');
    await ensurePublishAddress(be1, log);
    // A member that is already there is waited for only when a join still follows it: on a built cluster the
    // health verdict belongs to the validation step, which reports it instead of timing out here.
    const joinsAfter = async (i: number) => {
      for (const be of followers.slice(i)) if (!(await inCluster(be))) return true;
      return false;
    };
    await ensureClusterCreated(be1, plan, log, await joinsAfter(0));
    for (const [i, be] of followers.entries()) {
      await ensurePublishAddress(be, log);
      await ensureJoined(be1, be, plan, log, await joinsAfter(i + 1));
    }

    const configChanged = new Set<string>();
    for (const fe of plan.frontends.map(remote)) {
      if (await ensureServerConfig(be1, fe, log)) configChanged.add(fe.host.name);
    }
    const [fe1, ...others] = plan.frontends.map(remote);
    if (fe1) {
      await ensureFirstFrontend(fe1, configChanged.has(fe1.host.name), log);
      for (const fe of others) await ensureOtherFrontend(fe1, fe, configChanged.has(fe.host.name), log);
    }
    return { steps: log.steps, noop: log.noop, seconds: (Date.now() - started) / 1000 };
  } finally {
    if (owned) await Promise.all([...hosts.values()].map((h) => h.close().catch(() => undefined)));
  }
}
