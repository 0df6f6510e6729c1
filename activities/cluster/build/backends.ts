import { ConfigError } from '../../errors';
import { withSecretCopy } from '../ssh/secret-copy';
import { shellQuote } from '../ssh/shell-quote';
import type { ClusterPlan, RemoteHost } from '../types';
import { inCluster, waitForMember } from './cluster-membership';
import { BACKEND_RB, BACKEND_SECRETS, BACKEND_SECRETS_OLD, CONVERGE_TIMEOUT_SECONDS } from './paths';
import { exists, mustRun, readIfExists } from './remote';
import type { StepLog } from './step-log';

/** Backend steps of the runbook (chef-ha-ops.md §1.1). */

const PUBLISH = /^\s*publish_address\s+['"]([^'"]*)['"]/m;

/**
 * `publish_address '<address>'` in chef-backend.rb, written when absent. With it in place neither create-cluster nor
 * join-cluster prompts for an address, and join-cluster must not get `-p` (it refuses -p with a non-empty file).
 */
export async function ensurePublishAddress(be: RemoteHost, log: StepLog): Promise<void> {
  const { name, address } = be.host;
  const current = (await readIfExists(be, BACKEND_RB))?.toString('utf8');
  const found = current === undefined ? undefined : PUBLISH.exec(current)?.[1];
  if (found === address) return log.already('backend:publish-address', name, address);
  if (found !== undefined) {
    throw new ConfigError(
      `${name}: ${BACKEND_RB} has publish_address '${found}' but the plan says ${address}; fix one of them`,
    );
  }
  const line = `publish_address '${address}'\n`;
  const next = current ? `${current}${current.endsWith('\n') ? '' : '\n'}${line}` : line;
  await be.writeFile(BACKEND_RB, Buffer.from(next), 0o644);
  log.done('backend:publish-address', name, address);
}

export async function ensureClusterCreated(
  be1: RemoteHost,
  plan: ClusterPlan,
  log: StepLog,
  joinFollows = true,
): Promise<void> {
  if (await inCluster(be1)) {
    // After a failover be1 may follow another leader: any healthy role will do.
    if (joinFollows) await waitForMember(be1, be1.host, 'member', plan.thresholds);
    return log.already('backend:create-cluster', be1.host.name, 'cluster-status exits 0');
  }
  await mustRun(be1, 'chef-backend-ctl create-cluster --accept-license --yes --quiet', {
    timeoutSeconds: Math.max(CONVERGE_TIMEOUT_SECONDS, plan.thresholds.joinTimeoutSeconds),
  });
  await waitForMember(be1, be1.host, 'leader', plan.thresholds);
  log.done('backend:create-cluster', be1.host.name);
}

/**
 * Joins `be` through be1 with a temporary copy of be1's secrets (removed right after, as the docs require), then waits
 * until be1 sees it as a healthy follower — the caller joins the next backend only after this returns.
 */
export async function ensureJoined(
  be1: RemoteHost,
  be: RemoteHost,
  plan: ClusterPlan,
  log: StepLog,
  joinFollows = true,
): Promise<void> {
  const { name } = be.host;
  if (await inCluster(be)) {
    // A half-finished earlier run may have left it syncing: the next join still waits for it.
    if (joinFollows) await waitForMember(be1, be.host, 'member', plan.thresholds);
    return log.already('backend:join-cluster', name, 'already a member');
  }
  const secrets = (await exists(be1, BACKEND_SECRETS)) ? BACKEND_SECRETS : BACKEND_SECRETS_OLD;
  await withSecretCopy(be1, secrets, be, 0o600, (tmp) =>
    mustRun(
      be,
      `chef-backend-ctl join-cluster ${shellQuote(be1.host.address)} -s ${shellQuote(tmp)} --accept-license --yes`,
      {
        timeoutSeconds: Math.max(CONVERGE_TIMEOUT_SECONDS, plan.thresholds.joinTimeoutSeconds),
      },
    ),
  );
  const t0 = Date.now();
  await waitForMember(be1, be.host, 'follower', plan.thresholds);
  log.done('backend:join-cluster', name, `healthy follower after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
