import { shellQuote } from '../ssh/shell-quote';
import type { RemoteHost } from '../types';
import {
  BOOTSTRAPPED,
  CONVERGE_TIMEOUT_SECONDS,
  MIGRATION_LEVEL,
  SERVER_RB,
  SERVER_RUNNING_JSON,
  SERVER_SECRETS,
  UPGRADES_DIR,
} from './paths';
import { exists, mustRun, readIfExists, sameBytes, withRemoteTempDir } from './remote';
import type { StepLog } from './step-log';

/** Frontend steps of the runbook (chef-ha-ops.md §1.1 step 5, §2.1, §2.2). */

// Infra Server ≥ 13 needs the license accepted; the environment variable is ignored by older versions (a flag is not).
const RECONFIGURE = 'CHEF_LICENSE=accept chef-server-ctl reconfigure';

/**
 * gen-server-config for the frontend's FQDN on be1 into a private temp file, then onto the frontend as
 * /etc/opscode/chef-server.rb when it differs. The file holds the database superuser password: it travels as bytes
 * over ssh, never through stdout or a log. Returns whether the frontend's file changed.
 */
export async function ensureServerConfig(be1: RemoteHost, fe: RemoteHost, log: StepLog): Promise<boolean> {
  const fqdn = fe.host.fqdn ?? fe.host.name;
  const generated = await withRemoteTempDir(be1, async (dir) => {
    const file = `${dir}/chef-server.rb.${fe.host.name}`;
    await mustRun(be1, `chef-backend-ctl gen-server-config ${shellQuote(fqdn)} -f ${shellQuote(file)}`);
    return be1.readFile(file);
  });
  const current = await readIfExists(fe, SERVER_RB);
  try {
    if (sameBytes(generated, current)) {
      log.already('frontend:server-config', fe.host.name, `${SERVER_RB} for ${fqdn} up to date`);
      return false;
    }
    await fe.writeFile(SERVER_RB, generated, 0o600);
    log.done('frontend:server-config', fe.host.name, `${SERVER_RB} for ${fqdn} written`);
    return true;
  } finally {
    generated.fill(0);
    current?.fill(0);
  }
}

/** The first frontend bootstraps the shared database: reconfigure when it has not run (or the config changed). */
export async function ensureFirstFrontend(fe1: RemoteHost, configChanged: boolean, log: StepLog): Promise<void> {
  const configured = (await exists(fe1, BOOTSTRAPPED)) && (await exists(fe1, SERVER_RUNNING_JSON));
  if (configured && !configChanged) {
    log.already('frontend:reconfigure', fe1.host.name, 'bootstrapped and configured');
  } else {
    await mustRun(fe1, RECONFIGURE, { timeoutSeconds: CONVERGE_TIMEOUT_SECONDS });
    log.done('frontend:reconfigure', fe1.host.name, configChanged ? 'new chef-server.rb' : 'first bootstrap');
  }
  if (!(await exists(fe1, SERVER_SECRETS))) {
    throw new Error(`${fe1.host.name}: ${SERVER_SECRETS} is missing after reconfigure; the other frontends need it`);
  }
}

/**
 * Another frontend joins the bootstrapped database: it gets fe1's secrets and migration level, the bootstrapped
 * sentinel, then a reconfigure. Without fe1's secrets its reconfigure fails with BOOT010 (§2.1, §7).
 */
export async function ensureOtherFrontend(
  fe1: RemoteHost,
  fe: RemoteHost,
  configChanged: boolean,
  log: StepLog,
): Promise<void> {
  const name = fe.host.name;
  const secretsChanged = await syncFile(fe1, fe, SERVER_SECRETS, 0o600);
  (secretsChanged ? log.done : log.already).call(
    log,
    'frontend:secrets',
    name,
    `${SERVER_SECRETS} from ${fe1.host.name}`,
  );

  let levelChanged = false;
  if (await exists(fe1, MIGRATION_LEVEL)) {
    if (!(await exists(fe, UPGRADES_DIR))) await mustRun(fe, `mkdir -p ${UPGRADES_DIR}`);
    levelChanged = await syncFile(fe1, fe, MIGRATION_LEVEL, 0o644);
    (levelChanged ? log.done : log.already).call(log, 'frontend:migration-level', name, `from ${fe1.host.name}`);
  } else {
    // Newer partybus keeps the level in the database; the file is legacy input then (§2.2).
    log.already('frontend:migration-level', name, `${fe1.host.name} has no ${MIGRATION_LEVEL}`);
  }

  let sentinelChanged = false;
  if (await exists(fe, BOOTSTRAPPED)) {
    log.already('frontend:bootstrapped', name, BOOTSTRAPPED);
  } else {
    await mustRun(fe, `mkdir -p /var/opt/opscode && touch ${BOOTSTRAPPED}`);
    sentinelChanged = true;
    log.done('frontend:bootstrapped', name, BOOTSTRAPPED);
  }

  const changed = configChanged || secretsChanged || levelChanged || sentinelChanged;
  if (!changed && (await exists(fe, SERVER_RUNNING_JSON))) {
    log.already('frontend:reconfigure', name, 'configured with the current files');
    return;
  }
  await mustRun(fe, RECONFIGURE, { timeoutSeconds: CONVERGE_TIMEOUT_SECONDS });
  log.done('frontend:reconfigure', name);
}

/** Makes `to:path` byte-identical to `from:path` (compared in worker memory, zeroed after). True when written. */
async function syncFile(from: RemoteHost, to: RemoteHost, path: string, mode: number): Promise<boolean> {
  const source = await from.readFile(path);
  const target = await readIfExists(to, path);
  try {
    if (sameBytes(source, target)) return false;
    await to.writeFile(path, source, mode);
    return true;
  } finally {
    source.fill(0);
    target?.fill(0);
  }
}
