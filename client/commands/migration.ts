import { parseArgs } from 'node:util';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ConfigError } from '../../activities/errors';
import { temporalSettings, type TemporalSettings } from '../../worker/settings';
import { migrationWorkflow } from '../../workflows/migration';
import {
  abortSignal,
  approveSignal,
  cutoverOrgUpdate,
  passNowSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
} from '../../workflows/messages';
import { PHASE } from '../../workflows/search-attributes';
import type { MigrationPlan, Progress } from '../../workflows/types';
import { EXIT_FAILED, UsageError } from '../errors';
import { readPlanFile } from '../plan-schema';
import { connectClient, ensureSearchAttributes, workflowUrl } from '../temporal-client';
import { formatProgress } from '../progress-table';

function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; usage: ${usage}`);
  }
}

export const workflowIdFor = (plan: Pick<MigrationPlan, 'id'>) => `migration-${plan.id}`;

/** Starts the migration; a second start with the same plan id is refused (one migration per id). */
export async function startMigration(client: Client, settings: TemporalSettings, plan: MigrationPlan): Promise<string> {
  await ensureSearchAttributes(client, settings.namespace);
  const workflowId = workflowIdFor(plan);
  try {
    await client.workflow.start(migrationWorkflow, {
      taskQueue: plan.taskQueues.control,
      workflowId,
      args: [plan],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: PHASE, value: 'starting' }],
      staticSummary: `Chef migration ${plan.id}: ${plan.source.url} → ${plan.destination.url}`,
      staticDetails: `Backup directory \`${plan.backupDir}\` on task queue \`${plan.taskQueues.dataPlane}\``,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new ConfigError(
        `a migration with id '${plan.id}' already exists (${workflowId}); give the plan another id`,
      );
    throw err;
  }
  return workflowId;
}

async function resolveId(client: Client, given: string | undefined): Promise<string> {
  if (given) return given;
  const running: string[] = [];
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'migrationWorkflow' AND ExecutionStatus = 'Running'`,
  }))
    running.push(wf.workflowId);
  if (running.length === 1 && running[0]) return running[0];
  throw new UsageError(
    running.length
      ? `several migrations are running (${running.join(', ')}): name one`
      : 'no migration is running; name its workflow id',
  );
}

const SIGNALS = {
  pause: pauseSignal,
  resume: resumeSignal,
  'pass-now': passNowSignal,
  approve: approveSignal,
} as const;

export async function migrationCommand(command: string, argv: string[]): Promise<number> {
  const settings = temporalSettings();
  if (command === 'start') {
    const { values } = parse(argv, { config: { type: 'string' } }, 'chef-migrate start --config PLAN.yml');
    if (typeof values.config !== 'string') throw new UsageError('start needs --config PLAN.yml');
    const plan = readPlanFile(values.config, { control: settings.controlQueue, dataPlane: settings.dataPlaneQueue });
    const client = await connectClient(settings);
    const id = await startMigration(client, settings, plan);
    process.stdout.write(`started ${id}\nwatch it: ${workflowUrl(settings, id)}\n`);
    return 0;
  }
  const client = await connectClient(settings);
  if (command === 'list') {
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'migrationWorkflow'` }))
      process.stdout.write(
        `${wf.workflowId}\t${wf.status.name}\t${String(wf.typedSearchAttributes.get(PHASE) ?? '')}\t${wf.startTime.toISOString()}\n`,
      );
    return 0;
  }
  const { values, positionals } = parse(
    argv,
    { org: { type: 'string' }, json: { type: 'boolean' }, reason: { type: 'string' } },
    `chef-migrate ${command} [ID]`,
  );
  const id = await resolveId(client, positionals[0]);
  const handle = client.workflow.getHandle(id);
  if (command === 'status') {
    const progress: Progress = await handle.query(progressQuery);
    process.stdout.write(
      values.json
        ? JSON.stringify(progress, null, 2) + '\n'
        : formatProgress(progress, workflowUrl(settings, id)) + '\n',
    );
    return 0;
  }
  if (command === 'cutover') {
    if (typeof values.org !== 'string') throw new UsageError('cutover needs --org ORG');
    try {
      const r = await handle.executeUpdate(cutoverOrgUpdate, { args: [values.org] });
      process.stdout.write(`${r.message}\n`);
      return 0;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        process.stderr.write(`chef-migrate: cutover refused: ${err.cause?.message ?? err.message}\n`);
        return EXIT_FAILED;
      }
      throw err;
    }
  }
  if (command === 'abort') {
    await handle.signal(abortSignal, typeof values.reason === 'string' ? values.reason : undefined);
    process.stdout.write(`abort sent to ${id}\n`);
    return 0;
  }
  const signal = SIGNALS[command as keyof typeof SIGNALS];
  if (!signal) throw new UsageError(`unknown command '${command}'`);
  await handle.signal(signal);
  process.stdout.write(`${command} sent to ${id}\n`);
  return 0;
}

export const MIGRATION_COMMANDS = [
  'start',
  'status',
  'cutover',
  'pause',
  'resume',
  'pass-now',
  'approve',
  'abort',
  'list',
];
