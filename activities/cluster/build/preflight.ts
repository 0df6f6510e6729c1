import { ConfigError } from '../../errors';
import type { ClusterHost, ClusterPlan, RemoteHost } from '../types';
import { clockOffset, drift } from './clock-drift';
import { installPackage, isInstalled } from './packages';
import { BACKEND_PACKAGE, FRONTEND_PACKAGE } from './paths';
import { probePort, reachable } from './port-probe';
import { mustRun } from './remote';
import type { StepLog } from './step-log';

/** The plan's shape the runbook relies on; a bad plan is a ConfigError (never retried). */
export function validatePlan(plan: ClusterPlan): void {
  if (plan.backends.length !== 3) {
    throw new ConfigError(`a chef-backend cluster has exactly 3 backends; the plan lists ${plan.backends.length}`);
  }
  const names = [...plan.backends, ...plan.frontends].map((h) => h.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ConfigError(`host name ${dup} appears twice in the plan`);
  const addresses = plan.backends.map((h) => h.address);
  if (new Set(addresses).size !== addresses.length) {
    throw new ConfigError('the backends need distinct addresses (publish_address identifies a member)');
  }
  const noFqdn = plan.frontends.find((h) => !h.fqdn);
  if (noFqdn) throw new ConfigError(`frontend ${noFqdn.name} has no fqdn (gen-server-config needs it)`);
}

/**
 * Everything checked before the first change: every host answers over ssh, backend clocks agree, the required ports
 * are reachable, the packages are there (installed from the plan's package files when missing).
 */
export async function preflight(plan: ClusterPlan, remote: (h: ClusterHost) => RemoteHost, log: StepLog) {
  // Connections are opened in parallel (each is a full ssh handshake); the steps are reported in plan order.
  const all = [...plan.backends, ...plan.frontends];
  const reached = await Promise.all(all.map((h) => mustRun(remote(h), 'uname -n')));
  all.forEach((h, i) => log.already('preflight:ssh', h.name, `reached ${reached[i]?.stdout.trim()}`));

  const readings = [];
  for (const h of plan.backends) readings.push(await clockOffset(remote(h)));
  const d = drift(readings);
  const max = plan.thresholds.maxClockDriftSeconds;
  const clockDetail = `spread ${d.spreadSeconds.toFixed(3)} s (${d.ahead} ahead of ${d.behind}), limit ${max} s`;
  if (d.certainSeconds > max) {
    throw new ConfigError(
      `clock drift across the backends is ${d.spreadSeconds.toFixed(3)} s (${d.ahead} ahead of ${d.behind}; at ` +
        `least ${d.certainSeconds.toFixed(3)} s after round-trip correction), above the ${max} s limit: fix NTP ` +
        'on the backends before building (etcd and leaderl misbehave with drifting clocks)',
    );
  }
  log.already('preflight:clock', plan.backends.map((h) => h.name).join(','), clockDetail);

  if (plan.requiredPorts.length) {
    const timeoutMs = plan.ssh.connectTimeoutSeconds * 1000;
    for (const h of plan.backends) {
      const results = await Promise.all(
        plan.requiredPorts.map(async (port) => ({ port, ...(await probePort(h.address, port, timeoutMs)) })),
      );
      const blocked = results.filter((r) => !reachable(r.state));
      if (blocked.length) {
        throw new Error(
          `${h.name}: port(s) ${blocked.map((b) => `${b.port} (${b.detail})`).join(', ')} on ${h.address} are not ` +
            'reachable from the worker: open them between the cluster members (chef-ha-ops.md §0)',
        );
      }
      log.already('preflight:ports', h.name, results.map((r) => `${r.port} ${r.state}`).join(', '));
    }
  }

  const wanted = [
    ...plan.backends.map((h) => ({ h, pkg: BACKEND_PACKAGE, file: plan.packages.backend, key: 'backend' })),
    ...plan.frontends.map((h) => ({ h, pkg: FRONTEND_PACKAGE, file: plan.packages.frontend, key: 'frontend' })),
  ];
  // Every missing package is named before anything is installed: one failed run shows the whole problem.
  const missing = [];
  for (const w of wanted) if (!(await isInstalled(remote(w.h), w.pkg))) missing.push(w);
  const unfixable = missing.filter((w) => !w.file);
  if (unfixable.length) {
    throw new ConfigError(
      unfixable.map((w) => `${w.h.name}: package ${w.pkg} is not installed`).join('; ') +
        ` and the plan names no package file to install it from (plan.packages.${unfixable[0]?.key})`,
    );
  }
  for (const w of wanted) {
    if (!missing.includes(w)) {
      log.already('preflight:package', w.h.name, `${w.pkg} installed`);
    } else if (w.file) {
      await installPackage(remote(w.h), w.pkg, w.file);
      log.done('preflight:package', w.h.name, `installed ${w.pkg} from ${w.file}`);
    }
  }
}
