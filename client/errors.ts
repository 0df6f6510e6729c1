import { ZodError } from 'zod';
import { BackupFormatError, ChefAuthError, ConfigError, errorMessage } from '../activities/errors';
import { SqlError } from '../activities/sql';

/** Exit status 2 for anything the operator must fix in their input; 1 for a run that failed. */
export const EXIT_BAD_INPUT = 2;
export const EXIT_FAILED = 1;

export class UsageError extends ConfigError {
  override name = 'UsageError';
}

export function describeZodError(err: ZodError, source: string): string {
  const issue = err.issues[0];
  if (!issue) return `${source}: invalid`;
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? ` in '${issue.path.join('.')}'` : '';
    return `${source}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}${where}; check the spelling (see chef-migrate --help)`;
  }
  const field = issue.path.join('.') || '(top level)';
  return `${source}: field '${field}': ${issue.message}`;
}

/** One line on stderr and the exit status; never a stack trace for an operator's mistake. */
export function reportFatal(err: unknown): number {
  if (err instanceof ZodError) {
    process.stderr.write(`chef-migrate: ${describeZodError(err, 'config')}\n`);
    return EXIT_BAD_INPUT;
  }
  if (err instanceof ConfigError || err instanceof BackupFormatError) {
    process.stderr.write(`chef-migrate: ${err.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (err instanceof ChefAuthError || err instanceof SqlError) {
    process.stderr.write(`chef-migrate: ${err.message}\n`);
    return EXIT_FAILED;
  }
  process.stderr.write(`chef-migrate: ${errorMessage(err)}\n`);
  if (process.env.CHEF_MIGRATE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return EXIT_FAILED;
}
