import type { BackupContext } from './context';

export interface TidyFinding {
  /** Kebab-case rule id, e.g. 'duplicate-user-email'. */
  rule: string;
  /** Path relative to the backup root, POSIX separators. */
  file: string;
  /** What is wrong, naming the object. */
  message: string;
  /** What --fix does / did, one line; absent when it cannot be fixed automatically. */
  change?: string;
  /** action-needed = an operator must decide. */
  severity: 'fix' | 'action-needed';
}

export interface TidyReport {
  /** Absolute path of the backup directory. */
  dir: string;
  /** True when the run was asked to write its changes (fix mode), even if nothing needed changing. */
  fixed: boolean;
  findings: TidyFinding[];
  /** Files actually written, relative to `dir`; always empty in a dry run. */
  filesChanged: string[];
}

export interface TidyOptions {
  fix?: boolean;
  /** Only these organizations (folder names under organizations/); users and user ACLs are always checked. */
  orgs?: string[];
}

/**
 * A rule reports findings and applies its repair to the shared in-memory context in every run, dry or not: later rules
 * then see the repaired state (so rules editing the same file compose, and a dry run reports exactly what a fix run
 * would do); only the engine decides whether the context's changed files reach the disk.
 */
export interface Rule {
  id: string;
  description: string;
  check(ctx: BackupContext): Promise<TidyFinding[]>;
}
