import { stat } from 'node:fs/promises';
import path from 'node:path';
import { commitChanges } from './commit';
import { BackupContext } from './context';
import { readdirOptional } from './fs-optional';
import { RULES } from './rules';
import type { TidyFinding, TidyOptions, TidyReport } from './types';

export type { Rule, TidyFinding, TidyOptions, TidyReport } from './types';
export { RULES } from './rules';
export { ORIGINALS_DIR } from './commit';

async function selectOrgs(root: string, wanted: readonly string[] | undefined): Promise<string[]> {
  const present = (await readdirOptional(path.join(root, 'organizations')))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (!wanted) return present;
  const unknown = wanted.filter((org) => !present.includes(org));
  if (unknown.length > 0) throw new Error(`organization(s) not in the backup: ${unknown.join(', ')}`);
  return present.filter((org) => wanted.includes(org));
}

/**
 * Find (and with `fix`, repair) the data in a knife-ec-backup directory that breaks a restore. Dry run by default: the
 * report lists what a fix run would change and nothing is written.
 */
export async function tidyBackup(dir: string, opts: TidyOptions = {}): Promise<TidyReport> {
  const root = path.resolve(dir);
  if (!(await stat(root)).isDirectory()) throw new Error(`not a directory: ${root}`);
  const ctx = new BackupContext(root, await selectOrgs(root, opts.orgs));
  const findings: TidyFinding[] = [];
  for (const rule of RULES) findings.push(...(await rule.check(ctx)));
  const filesChanged = opts.fix ? await commitChanges(ctx) : [];
  return { dir: root, fixed: opts.fix === true, findings, filesChanged };
}
