/**
 * What travels through Temporal: the validated migration plan (paths to keys, never keys), the workflow's
 * state and the activities' small results. Pure types and data only: the workflow bundle imports this.
 */
import type { ClusterPlan } from '../activities/cluster/types';
import type { RetryRule } from '../activities/retry-rule';

export interface ServerRef {
  url: string;
  /** The user to sign as, or (with webui) the user to act as. */
  user: string;
  /** Path of the private key on the worker host. */
  keyPath: string;
  webui?: boolean;
  signVersion?: '1.0' | '1.1' | '1.3';
  caFile?: string;
  /** A single-tenant (Chef 11 style) server: its data is this org. */
  singleTenantOrg?: string;
}

export interface CutoverPlan {
  /** The URL nodes of an org must use after cutover; `{org}` is replaced by the org's name. */
  chefServerUrl: string;
  /** Roles and environments (per org) that carry node['chef_client']['config']['chef_server_url']. */
  roles: string[];
  environments: string[];
  /** How long to wait for every node of the org to check in on the new cluster. */
  checkinDeadlineSeconds: number;
  checkinPollSeconds: number;
}

export interface MigrationPlan {
  id: string;
  source: ServerRef;
  destination: ServerRef;
  /** The destination cluster is already built and validated: skip those steps. */
  clusterExists: boolean;
  /** Cluster build and validation plan (hosts over ssh, packages, thresholds). */
  cluster?: ClusterPlan;
  backupDir: string;
  ledgerUrl?: string;
  orgs: { only?: string[]; exclude?: string[] };
  concurrency: { backup: number; restore: number };
  tidy: { fix: boolean; requireApproval: boolean };
  incremental: { intervalSeconds: number; timeOfDay?: string; keepPasses: number; readAllNodes?: boolean };
  cutover: CutoverPlan;
  taskQueues: { control: string; dataPlane: string };
  /** Heartbeat timeout of long activities: how fast a dead worker is noticed. */
  heartbeatTimeoutSeconds: number;
  /** Tests shorten the client-side retry delays; operators keep the field's rule. */
  retry?: RetryRule;
}

export type Phase =
  | 'starting'
  | 'build-cluster'
  | 'validate-cluster'
  | 'full-backup'
  | 'tidy'
  | 'awaiting-approval'
  | 'full-restore'
  | 'verify-target'
  | 'incremental-loop'
  | 'completed'
  | 'aborted'
  | 'failed';

export type OrgStatus = 'syncing' | 'cutover-requested' | 'cutting-over' | 'cut-over' | 'cutover-failed';

export interface OrgState {
  status: OrgStatus;
  /** Wall seconds of the org's recent incremental passes (newest last). */
  passSeconds: number[];
  /** p90 of recent passes: the cutover window to expect. */
  downtimeEstimateSeconds?: number;
  lastPassAt?: string;
  cutover?: CutoverResult;
}

/** Small, countable results: never object data. */
export interface StepResult {
  step: string;
  seconds: number;
  failed: number;
  written?: number;
  unchanged?: number;
  failureReport?: string;
  orgSeconds?: Record<string, number>;
  note?: string;
}

export interface VerifySummary {
  differences: number;
  /** The first few, for the UI. */
  sample: string[];
  compared: number;
}

export interface TidySummary {
  findings: number;
  actionNeeded: number;
  byRule: Record<string, number>;
  fixed: boolean;
}

export interface CutoverResult {
  org: string;
  verified: boolean;
  differences: number;
  /** Objects the cutover verification compared. */
  compared: number;
  finalPassSeconds: number;
  pointedObjects: number;
  nodes: number;
  checkedIn: number;
  startedAt: string;
  finishedAt: string;
  note?: string;
}

/** A cluster validation as the workflow keeps it: the verdict and the failed checks, named. */
export interface ClusterValidationSummary {
  ok: boolean;
  skipped?: boolean;
  checks: number;
  /** `<check name>: <message>` of each failed check (the full report is in the activity result). */
  failed: string[];
  seconds: number;
}

export interface MigrationState {
  phase: Phase;
  orgs: Record<string, OrgState>;
  passNumber: number;
  paused: boolean;
  approved: boolean;
  tidy?: TidySummary;
  clusterValidation?: ClusterValidationSummary;
  targetValidation?: ClusterValidationSummary;
  lastVerify?: VerifySummary;
  steps: StepResult[];
  failures: number;
  lastPassSeconds?: number;
  /** Workflow time of the last pass start (workflow clocks are deterministic). */
  lastPassAtMs?: number;
  nextPassAt?: string;
  error?: string;
}

export interface Progress extends MigrationState {
  workflowId: string;
}
