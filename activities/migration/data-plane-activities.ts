import { listOrganizations } from '../chef-api/resources/organizations';
import { selectOrgs } from '../engine/context';
import { backup } from '../operations/backup';
import { openServer } from '../operations/open-server';
import type { OperationResult } from '../operations/options';
import { restore } from '../operations/restore';
import { verify } from '../operations/verify';
import { tidyBackup } from '../tidy';
import type { MigrationPlan, StepResult, TidySummary, VerifySummary } from '../../workflows/types';
import { withHeartbeat } from './heartbeat';
import type { LedgerPool } from './ledgers';
import { backupOptions, restoreOptions, serverOptions, verifyOptions } from './plan-options';

function stepResult(step: string, r: OperationResult): StepResult {
  const total = (o: string) => Object.values(r.counts).reduce((sum, c) => sum + (c[o] ?? 0), 0);
  return {
    step,
    seconds: r.seconds,
    failed: r.failed,
    written: total('written'),
    unchanged: total('unchanged'),
    orgSeconds: r.orgSeconds,
    ...(r.failureReport ? { failureReport: r.failureReport } : {}),
    ...noteOf(r.notes),
  };
}

/** The run's notes for the UI, cut short: a Temporal payload stays a few kB. */
const noteOf = (notes: string[] | undefined) => (notes?.length ? { note: notes.join('; ').slice(0, 500) } : {});

function addOrgSeconds(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [org, s] of Object.entries(b)) out[org] = (out[org] ?? 0) + s;
  return out;
}

/**
 * The activities that read or write the backup directory: they run on the task queue of the host that holds
 * it. Each is idempotent: the backup rewrites only what changed and a retried pass skips what it already
 * fetched (pass ledger); the restore skips what the destination ledger says is there.
 */
export function createDataPlaneActivities(deps: { ledgers: LedgerPool }) {
  return {
    async discoverOrgs(plan: MigrationPlan): Promise<string[]> {
      if (plan.source.singleTenantOrg) return [plan.source.singleTenantOrg];
      const { client } = await openServer(serverOptions(plan.source), 2, { retry: plan.retry });
      try {
        return selectOrgs(await listOrganizations(client), plan.orgs);
      } finally {
        await client.close();
      }
    },

    async fullBackup(plan: MigrationPlan, passId: string): Promise<StepResult> {
      const ledger = await deps.ledgers.get(plan.ledgerUrl);
      return withHeartbeat('full backup', async (progress, signal) =>
        stepResult(
          'full backup',
          await backup(backupOptions(plan, undefined, passId, true), { progress, signal, ledger }),
        ),
      );
    },

    async tidyBackup(plan: MigrationPlan): Promise<TidySummary> {
      const report = await tidyBackup(plan.backupDir, { fix: plan.tidy.fix, orgs: plan.orgs.only });
      const byRule: Record<string, number> = {};
      for (const f of report.findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
      return {
        findings: report.findings.length,
        actionNeeded: report.findings.filter((f) => f.severity === 'action-needed').length,
        byRule,
        fixed: report.fixed,
      };
    },

    async fullRestore(plan: MigrationPlan): Promise<StepResult> {
      const ledger = await deps.ledgers.get(plan.ledgerUrl);
      return withHeartbeat('full restore', async (progress, signal) =>
        stepResult('full restore', await restore(restoreOptions(plan, undefined, true), { progress, signal, ledger })),
      );
    },

    async verifyTarget(plan: MigrationPlan, orgs?: string[]): Promise<VerifySummary> {
      return withHeartbeat('verify target', async (progress, signal) => {
        const report = await verify(verifyOptions(plan, orgs), { progress, signal });
        return {
          differences: report.differences.length,
          compared: report.rows.reduce((sum, r) => sum + r.compared, 0),
          sample: report.differences.slice(0, 10).map((d) => `${d.problem} ${d.org ?? '(global)'} ${d.kind} ${d.name}`),
        };
      });
    },

    /** Backs up and restores only what changed for the given orgs; per-org seconds are the downtime figure. */
    async incrementalPass(
      plan: MigrationPlan,
      orgs: string[],
      passId: string,
      opts: { readAllNodes?: boolean } = {},
    ): Promise<StepResult> {
      const ledger = await deps.ledgers.get(plan.ledgerUrl);
      return withHeartbeat(`incremental pass ${passId}`, async (progress, signal) => {
        const options = backupOptions(plan, orgs, passId, true);
        if (opts.readAllNodes) options.readAllNodes = true;
        const b = await backup(options, { progress, signal, ledger });
        const r = await restore(restoreOptions(plan, orgs, true), { progress, signal, ledger });
        const result = stepResult('incremental pass', r);
        return {
          ...result,
          seconds: b.seconds + r.seconds,
          failed: b.failed + r.failed,
          orgSeconds: addOrgSeconds(b.orgSeconds, r.orgSeconds),
          ...(b.failureReport || r.failureReport ? { failureReport: r.failureReport ?? b.failureReport } : {}),
          ...noteOf([...(b.notes ?? []), ...(r.notes ?? [])]),
        };
      });
    },
  };
}

export type DataPlaneActivities = ReturnType<typeof createDataPlaneActivities>;
