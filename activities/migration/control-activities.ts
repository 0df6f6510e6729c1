import { buildCluster } from '../cluster/build';
import { openRemoteHost } from '../cluster/ssh';
import type { ClusterPlan, ValidationReport } from '../cluster/types';
import { validateCluster, validateTarget } from '../cluster/validate/validate-cluster';
import { ConfigError } from '../errors';
import type { ClusterValidationSummary, MigrationPlan, StepResult } from '../../workflows/types';
import { countNodeCheckins, pointNodesAtNewServer } from './cutover';
import { withHeartbeat } from './heartbeat';

function summarize(r: ValidationReport): ClusterValidationSummary {
  return {
    ok: r.ok,
    checks: r.checks.length,
    failed: r.checks
      .filter((c) => !c.pass)
      .map((c) => `${c.name}: ${c.message}`)
      .slice(0, 20),
    seconds: r.seconds,
  };
}

async function runValidation(
  step: string,
  cluster: ClusterPlan,
  which: typeof validateCluster,
): Promise<ClusterValidationSummary> {
  const passwordEnv = cluster.health.postgres.passwordEnv;
  let done = 0;
  return withHeartbeat(step, async (progress) =>
    summarize(
      await which(cluster, {
        hostFactory: (h) => openRemoteHost(h, cluster.ssh),
        ...(cluster.health.endpoints ? { urls: cluster.health.endpoints } : {}),
        ...(passwordEnv && process.env[passwordEnv] ? { pgPassword: process.env[passwordEnv] } : {}),
        onCheck: (c) => progress(`${c.name}: ${c.pass ? 'pass' : 'FAIL'}`, ++done),
      }),
    ),
  );
}

/**
 * Activities that need no backup directory: cluster operations and cutover. They run on the shared
 * control task queue.
 */
export function createControlActivities() {
  return {
    async buildCluster(plan: MigrationPlan): Promise<StepResult> {
      if (plan.clusterExists)
        return { step: 'build cluster', seconds: 0, failed: 0, note: 'skipped: the plan says the cluster exists' };
      const cluster = plan.cluster;
      if (!cluster)
        throw new ConfigError(
          'the plan asks to build the cluster but has no cluster section (ssh, backends, frontends); add it or set clusterExists: true',
        );
      let done = 0;
      const report = await withHeartbeat('build cluster', (progress) =>
        buildCluster(cluster, { onStep: (s) => progress(`${s.step} on ${s.host}: ${s.outcome}`, ++done) }),
      );
      const ran = report.steps.filter((s) => s.outcome === 'done').length;
      return {
        step: 'build cluster',
        seconds: report.seconds,
        failed: 0,
        note: report.noop
          ? 'already built: nothing changed'
          : `${ran} of ${report.steps.length} steps done, the rest were already done`,
      };
    },

    async validateCluster(plan: MigrationPlan): Promise<ClusterValidationSummary> {
      if (!plan.cluster) return { ok: true, skipped: true, checks: 0, failed: [], seconds: 0 };
      return runValidation('validate cluster', plan.cluster, validateCluster);
    },

    /** After the restore: the same checks plus the canary nodes re-pointed at the new cluster. */
    async validateTarget(plan: MigrationPlan): Promise<ClusterValidationSummary> {
      if (!plan.cluster) return { ok: true, skipped: true, checks: 0, failed: [], seconds: 0 };
      return runValidation('validate target', plan.cluster, validateTarget);
    },

    pointNodesAtNewServer,
    countNodeCheckins,
  };
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
