import { parseArgs } from 'node:util';
import { openRemoteHost } from '../../activities/cluster/ssh';
import {
  formatValidationReport,
  validateCluster,
  validateTarget,
} from '../../activities/cluster/validate/validate-cluster';
import { ConfigError } from '../../activities/errors';
import { temporalSettings } from '../../worker/settings';
import { EXIT_FAILED, UsageError } from '../errors';
import { readPlanFile } from '../plan-schema';

/** `chef-migrate validate --config PLAN [--target] [--json]`: the cluster validation alone, no Temporal needed. */
export async function validateCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, json: { type: 'boolean' }, target: { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(
      `${(err as Error).message.split('\n')[0]}; usage: chef-migrate validate --config PLAN.yml [--target] [--json]`,
    );
  }
  if (typeof values.config !== 'string') throw new UsageError('validate needs --config PLAN.yml');
  const settings = temporalSettings();
  const plan = readPlanFile(values.config, { control: settings.controlQueue, dataPlane: settings.dataPlaneQueue });
  const cluster = plan.cluster;
  if (!cluster)
    throw new ConfigError(`plan ${values.config}: no cluster section (ssh, backends, frontends) to validate`);
  const passwordEnv = cluster.health.postgres.passwordEnv;
  const run = values.target ? validateTarget : validateCluster;
  const report = await run(cluster, {
    hostFactory: (h) => openRemoteHost(h, cluster.ssh),
    ...(cluster.health.endpoints ? { urls: cluster.health.endpoints } : {}),
    ...(passwordEnv && process.env[passwordEnv] ? { pgPassword: process.env[passwordEnv] } : {}),
    onCheck: values.json ? undefined : (c) => process.stderr.write(`${c.pass ? 'pass' : 'FAIL'} ${c.name}\n`),
  });
  process.stdout.write(formatValidationReport(report, { json: values.json === true }) + '\n');
  return report.ok ? 0 : EXIT_FAILED;
}
