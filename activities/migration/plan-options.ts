import type { BackupOptions, RestoreOptions, ServerOptions, VerifyOptions } from '../operations/options';
import type { MigrationPlan, ServerRef } from '../../workflows/types';

/** The plan's pieces as the data-plane operations want them. */
export const serverOptions = (s: ServerRef): ServerOptions => ({
  url: s.url,
  user: s.user,
  keyPath: s.keyPath,
  webui: s.webui,
  signVersion: s.signVersion,
  caFile: s.caFile,
});

export function backupOptions(
  plan: MigrationPlan,
  orgs: string[] | undefined,
  passId: string,
  purge: boolean,
): BackupOptions {
  return {
    dir: plan.backupDir,
    source: serverOptions(plan.source),
    concurrency: plan.concurrency.backup,
    purge,
    onlyOrgs: orgs ?? plan.orgs.only,
    excludeOrgs: plan.orgs.exclude,
    singleTenantOrg: plan.source.singleTenantOrg,
    retry: plan.retry,
    passId,
    readAllNodes: plan.incremental.readAllNodes,
  };
}

export function restoreOptions(plan: MigrationPlan, orgs: string[] | undefined, purge: boolean): RestoreOptions {
  return {
    dir: plan.backupDir,
    destination: serverOptions(plan.destination),
    concurrency: plan.concurrency.restore,
    purge,
    onlyOrgs: orgs ?? plan.orgs.only,
    excludeOrgs: plan.orgs.exclude,
    singleTenantOrg: plan.destination.singleTenantOrg,
    ledgerUrl: plan.ledgerUrl,
    retry: plan.retry,
  };
}

/** Backup against destination: what the last pass fetched must all be there, whatever the source did since. */
export function verifyOptions(plan: MigrationPlan, orgs: string[] | undefined): VerifyOptions {
  return {
    dir: plan.backupDir,
    destination: serverOptions(plan.destination),
    concurrency: plan.concurrency.restore,
    onlyOrgs: orgs ?? plan.orgs.only,
    singleTenantOrg: plan.source.singleTenantOrg ?? plan.destination.singleTenantOrg,
    retry: plan.retry,
  };
}
