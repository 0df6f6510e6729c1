import { backupCommand, restoreCommand, tidyCommand, verifyCommand } from './commands/data-plane';
import { EXIT_BAD_INPUT, reportFatal } from './errors';
import { MIGRATION_COMMANDS, migrationCommand } from './commands/migration';
import { demoCommand } from './commands/demo';
import { validateCommand } from './commands/validate';

const HELP = `chef-migrate: move a Chef Infra Server onto a Chef HA cluster

The migration, a durable Temporal workflow (TEMPORAL_ADDRESS, default 127.0.0.1:7233):
  chef-migrate start --config PLAN.yml      start it; prints the workflow id and the UI link
  chef-migrate status [ID] [--json]         phase, per-org state, pass times, downtime estimates
  chef-migrate cutover [ID] --org ORG       final pass, verify, re-point the org's nodes
  chef-migrate pause|resume|pass-now|approve|abort [ID]
  chef-migrate list
  chef-migrate validate --config PLAN.yml [--target] [--json]   the cluster checks alone (backends, replication, frontends)
  chef-migrate demo [--headless] [--keep]    local dev server + two demo Chef servers + worker, end to end

One-shot data-plane commands (knife-ec-backup compatible layout):
  chef-migrate backup DIR  --server-url URL (--webui-key PEM | --user NAME --key PEM) [options]
  chef-migrate restore DIR --server-url URL (--webui-key PEM | --user NAME --key PEM) [options]
  chef-migrate tidy DIR [--fix]
  chef-migrate verify [DIR] --server-url URL ... [--source-url URL --source-user U --source-key PEM]

Options: --concurrency N (backup 50, restore 10)  --purge  --dry-run  --only-org ORG (repeat)
  --exclude-org ORG  --single-tenant-org NAME  --sign-version 1.0|1.1|1.3  --ca-file PEM
  --with-user-sql --with-key-sql --sql-host --sql-port --sql-db --sql-user (password: CHEF_MIGRATE_SQL_PASSWORD)
  --ledger postgres://...  --overwrite-frozen  --overwrite-pivotal  --skip-useracl  --skip-users  --json
  --read-all-nodes (backup: GET every node instead of finding the changed ones by partial search)
  --config FILE (YAML or JSON with the same options in camelCase)
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  backup: backupCommand,
  restore: restoreCommand,
  tidy: tidyCommand,
  demo: demoCommand,
  validate: validateCommand,
  verify: verifyCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : EXIT_BAD_INPUT;
  }
  if (MIGRATION_COMMANDS.includes(command)) return migrationCommand(command, rest);
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`chef-migrate: unknown command '${command}'; see chef-migrate --help\n`);
    return EXIT_BAD_INPUT;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(reportFatal(err)),
);
