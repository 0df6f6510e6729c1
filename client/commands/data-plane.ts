import { stat } from 'node:fs/promises';
import { backup } from '../../activities/operations/backup';
import type { CommonOptions, OperationResult, RunHooks, SqlOptions } from '../../activities/operations/options';
import { restore } from '../../activities/operations/restore';
import { verify } from '../../activities/operations/verify';
import { sqlConnectionFromOptions } from '../../activities/sql';
import { tidyBackup } from '../../activities/tidy';
import { formatVerifyReport } from '../../activities/verify/run-verify';
import { RunSummary } from '../../activities/report/run-summary';
import { EXIT_FAILED, UsageError } from '../errors';
import { parseDataPlaneArgs, type DataPlaneConfig } from '../options-schema';
import { progressPrinter } from '../progress';
import { serverIdentity } from '../server-identity';

const DEFAULT_BACKUP_CONCURRENCY = 50;
const DEFAULT_RESTORE_CONCURRENCY = 10;

function backupDir(positionals: string[], command: string): string {
  const dir = positionals[0];
  if (!dir || positionals.length > 1) throw new UsageError(`usage: chef-migrate ${command} DIR [options]`);
  return dir;
}

const target = (c: DataPlaneConfig) =>
  serverIdentity(
    { url: c.serverUrl, user: c.user, key: c.key, webuiKey: c.webuiKey, signVersion: c.signVersion, caFile: c.caFile },
    { url: 'server-url', user: 'user', key: 'key', webuiKey: 'webui-key' },
  );

function sqlOptions(c: DataPlaneConfig): SqlOptions | undefined {
  if (!c.withUserSql && !c.withKeySql) return undefined;
  return {
    users: c.withUserSql === true,
    keys: c.withKeySql === true,
    connection: sqlConnectionFromOptions({
      host: c.sqlHost,
      port: c.sqlPort,
      database: c.sqlDb,
      user: c.sqlUser,
      password: c.sqlPassword ?? process.env.CHEF_MIGRATE_SQL_PASSWORD,
    }),
  };
}

function printResult(r: OperationResult, json: boolean): number {
  if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else {
    const summary = new RunSummary();
    for (const [kind, counts] of Object.entries(r.counts))
      for (const [o, n] of Object.entries(counts)) if (n) summary.add(kind, o as never, n);
    process.stdout.write(
      `${r.operation} of ${r.orgs.join(', ') || 'no orgs'}: ${r.seconds.toFixed(1)} s, ${r.requests} requests (${(r.requests / Math.max(r.seconds, 0.001)).toFixed(0)}/s), ${r.retries} retries\n${summary.table()}\n`,
    );
    if (r.failed) process.stdout.write(`${r.failed} objects failed; details in ${r.failureReport}\n`);
    for (const note of r.notes ?? []) process.stdout.write(`note: ${note}\n`);
  }
  return r.failed ? EXIT_FAILED : 0;
}

/** The options backup and restore share, from flags or the config file. */
function commonOptions(
  command: string,
  positionals: string[],
  c: DataPlaneConfig,
  defaultConcurrency: number,
): CommonOptions {
  return {
    dir: backupDir(positionals, command),
    concurrency: c.concurrency ?? defaultConcurrency,
    purge: c.purge,
    dryRun: c.dryRun,
    onlyOrgs: c.onlyOrg,
    excludeOrgs: c.excludeOrg,
    singleTenantOrg: c.singleTenantOrg,
    skipUserAcls: c.skipUseracl,
  };
}

/** Runs one operation with a live progress line, then prints its result. */
async function withProgress(c: DataPlaneConfig, run: (hooks: RunHooks) => Promise<OperationResult>): Promise<number> {
  const progress = progressPrinter();
  const r = await run({ progress: (line) => progress.update(line) });
  progress.done();
  return printResult(r, c.json === true);
}

export async function backupCommand(argv: string[]): Promise<number> {
  const { positionals, config: c } = parseDataPlaneArgs(argv);
  const o = {
    ...commonOptions('backup', positionals, c, DEFAULT_BACKUP_CONCURRENCY),
    source: target(c),
    sql: sqlOptions(c),
    readAllNodes: c.readAllNodes,
  };
  return withProgress(c, (hooks) => backup(o, hooks));
}

export async function restoreCommand(argv: string[]): Promise<number> {
  const { positionals, config: c } = parseDataPlaneArgs(argv);
  const o = {
    ...commonOptions('restore', positionals, c, DEFAULT_RESTORE_CONCURRENCY),
    destination: target(c),
    skipUsers: c.skipUsers,
    overwriteFrozen: c.overwriteFrozen,
    overwritePivotal: c.overwritePivotal,
    ledgerUrl: c.ledger,
    sql: sqlOptions(c),
  };
  return withProgress(c, (hooks) => restore(o, hooks));
}

export async function verifyCommand(argv: string[]): Promise<number> {
  const { positionals, config: c } = parseDataPlaneArgs(argv);
  if (positionals.length > 1)
    throw new UsageError('usage: chef-migrate verify [DIR] --server-url URL ... [--source-url URL ...]');
  const source = c.sourceUrl
    ? serverIdentity(
        {
          url: c.sourceUrl,
          user: c.sourceUser,
          key: c.sourceKey,
          webuiKey: c.sourceWebuiKey,
          signVersion: c.signVersion,
          caFile: c.caFile,
        },
        { url: 'source-url', user: 'source-user', key: 'source-key', webuiKey: 'source-webui-key' },
      )
    : undefined;
  if (!source && !positionals[0])
    throw new UsageError('verify compares a backup DIR or a --source-url server with --server-url');
  const report = await verify({
    dir: positionals[0],
    source,
    destination: target(c),
    concurrency: c.concurrency ?? DEFAULT_RESTORE_CONCURRENCY,
    onlyOrgs: c.onlyOrg,
    singleTenantOrg: c.singleTenantOrg,
  });
  process.stdout.write(c.json ? JSON.stringify(report, null, 2) + '\n' : formatVerifyReport(report) + '\n');
  return report.differences.length ? EXIT_FAILED : 0;
}

export async function tidyCommand(argv: string[]): Promise<number> {
  const { positionals, config: c } = parseDataPlaneArgs(argv);
  const dir = backupDir(positionals, 'tidy');
  // Like restore: a directory that is not there is the operator's input to fix (exit 2), not a failed run.
  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`backup directory ${dir} does not exist or is not a directory`);
  const report = await tidyBackup(dir, { fix: c.fix === true, orgs: c.onlyOrg });
  if (c.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    for (const f of report.findings)
      process.stdout.write(
        `${f.severity === 'fix' ? 'fix   ' : 'ACTION'} ${f.rule} ${f.file}: ${f.message}${f.change ? ` -> ${f.change}` : ''}\n`,
      );
    process.stdout.write(
      `${report.findings.length} findings${report.fixed ? `, ${report.filesChanged.length} files changed (originals in .chef-migrate/tidy-originals/)` : ' (dry run; --fix writes the changes)'}\n`,
    );
  }
  return report.findings.some((f) => f.severity === 'action-needed') ? EXIT_FAILED : 0;
}
