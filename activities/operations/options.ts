import type { SqlConnection } from '../sql';
import type { RetryRule } from '../retry-rule';
import type { SignVersion } from '../chef-api/signing';

/**
 * Plain-data options of the data-plane operations: the CLI builds them from flags, the workflow passes them
 * to activities. Keys travel as paths, never as contents.
 */
export interface ServerOptions {
  url: string;
  user: string;
  keyPath: string;
  signVersion?: SignVersion;
  /** Sign with the webui key and act as `user` (X-Ops-Request-Source: web). */
  webui?: boolean;
  caFile?: string;
}

export interface CommonOptions {
  dir: string;
  concurrency: number;
  purge?: boolean;
  dryRun?: boolean;
  onlyOrgs?: string[];
  excludeOrgs?: string[];
  singleTenantOrg?: string;
  skipUserAcls?: boolean;
  /** Tests shorten the delays; operators keep the field's rule. */
  retry?: RetryRule;
  requestTimeoutMs?: number;
}

export interface SqlOptions {
  users: boolean;
  keys: boolean;
  connection: SqlConnection;
}

export interface BackupOptions extends CommonOptions {
  source: ServerOptions;
  sql?: SqlOptions;
  /** A pass id: with a ledger, objects fetched in this pass are not fetched again when it is retried. */
  passId?: string;
  /**
   * GET every node instead of finding the changed ones by a partial search of their fingerprints (for a
   * server whose search cannot be trusted, or to prove a backup against a full read).
   */
  readAllNodes?: boolean;
}

export interface RestoreOptions extends CommonOptions {
  destination: ServerOptions;
  sql?: SqlOptions;
  /** PostgreSQL URL of the shared ledger; without it the ledger lives only as long as the process. */
  ledgerUrl?: string;
  overwriteFrozen?: boolean;
  overwritePivotal?: boolean;
  skipUsers?: boolean;
}

export interface VerifyOptions {
  requestTimeoutMs?: number;
  /** Compare this backup directory (or, with `source`, that server) with the destination. */
  dir?: string;
  source?: ServerOptions;
  destination: ServerOptions;
  concurrency: number;
  onlyOrgs?: string[];
  singleTenantOrg?: string;
  retry?: RetryRule;
}

/** What an operation returns: small enough for a Temporal payload. */
export interface OperationResult {
  operation: 'backup' | 'restore';
  orgs: string[];
  counts: Record<string, Record<string, number>>;
  failed: number;
  failureReport?: string;
  seconds: number;
  orgSeconds: Record<string, number>;
  notes?: string[];
  requests: number;
  retries: number;
}

/** What a caller can hand an operation besides its plain options (not serialisable, so not in them). */
export interface RunHooks {
  progress?: ProgressSink;
  /** Stops the run at the next request (Temporal activity cancellation). */
  signal?: AbortSignal;
  /** Restore: the destination ledger. Backup: where a pass records what it has fetched. */
  ledger?: import('../ledger/ledger').Ledger;
}

export interface ProgressSink {
  /** Called at most a few times a second with a one-line status and the counters. */
  (line: string, done: number): void;
}
