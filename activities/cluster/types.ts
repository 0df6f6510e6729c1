/**
 * The contract between the cluster build, the cluster validation and the migration plan: what the plan says
 * about the hosts, how a command runs on one of them, and what a validation reports. Pure types (the workflow
 * bundle imports them as types).
 */

export interface SshSettings {
  user: string;
  /** Path of the private key on the worker host (never its contents). */
  keyPath: string;
  /** known_hosts file the host keys are checked against. */
  knownHostsPath: string;
  /** Accept and record an unknown host key on first contact (refused by default). */
  trustOnFirstUse: boolean;
  /** Run remote commands through `sudo -n`. */
  sudo: boolean;
  /** Per-command timeout. */
  commandTimeoutSeconds: number;
  connectTimeoutSeconds: number;
}

export interface ClusterHost {
  /** Short name used in reports (e.g. be1, fe2). */
  name: string;
  /** Address ssh connects to. */
  sshHost: string;
  sshPort: number;
  /** The address other cluster members use (publish_address for backends). */
  address: string;
  /** Frontends: the FQDN gen-server-config is run for and /_status is called on. */
  fqdn?: string;
}

export interface ClusterThresholds {
  maxClockDriftSeconds: number;
  maxReplicationLagBytes: number;
  joinTimeoutSeconds: number;
  failoverTimeoutSeconds: number;
  pollIntervalSeconds: number;
}

export interface ClusterPlan {
  ssh: SshSettings;
  /** Exactly three backends; the first creates the cluster. */
  backends: ClusterHost[];
  frontends: ClusterHost[];
  /** Package files on the worker host, installed when the package is missing on a host. */
  packages: { backend?: string; frontend?: string };
  /** Ports the preflight requires to be reachable between members. */
  requiredPorts: number[];
  health: {
    /** Base URLs are built from the backend addresses unless overridden (tests point them at fakes). */
    leaderlPort: number;
    elasticsearchPort: number;
    etcdPort: number;
    /** `/_status` URL per frontend name; default https://<fqdn>/_status. */
    statusUrls?: Record<string, string>;
    postgres: { port: number; user: string; database: string; passwordEnv?: string };
    /**
     * Per-host endpoints where they are not `<address>:<port>` (port forwards, proxies, test fakes):
     * leaderl/etcd base URL and PostgreSQL host/port by backend name, one Elasticsearch URL.
     */
    endpoints?: {
      leaderl?: Record<string, string>;
      elasticsearch?: string;
      etcd?: Record<string, string>;
      postgres?: Record<string, { host: string; port: number }>;
    };
  };
  thresholds: ClusterThresholds;
  /** Opt-in: they disturb the cluster. */
  failoverTests: { soft: boolean; hard: boolean };
  loadTest?: { durationSeconds: number; chefLoadConfigPath: string; maxErrorRate: number };
  /** Canary nodes re-pointed after the restore: a command run on each (over ssh) and the node name to watch. */
  canaries?: { host: ClusterHost; command: string; nodeName: string; org: string }[];
}

export interface CommandResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** One cluster host reached over ssh. Secrets never pass through `run` arguments or logs. */
export interface RemoteHost {
  readonly host: ClusterHost;
  run(
    command: string,
    opts?: { timeoutSeconds?: number; sudo?: boolean; stdin?: Buffer | string },
  ): Promise<CommandResult>;
  /** Writes bytes to a remote file (mode applied); used for secrets, so the content is never logged. */
  writeFile(remotePath: string, content: Buffer, mode: number): Promise<void>;
  readFile(remotePath: string): Promise<Buffer>;
  removeFile(remotePath: string): Promise<void>;
  close(): Promise<void>;
}

export interface CheckResult {
  /** Stable, human-readable check name, e.g. `backend-status:be2:postgresql`. */
  name: string;
  pass: boolean;
  /** What was found, parsed (numbers, states), for the report. */
  evidence: Record<string, unknown>;
  /** One line for a person: what is wrong and what to do. */
  message: string;
}

export interface ValidationReport {
  ok: boolean;
  checks: CheckResult[];
  startedAt: string;
  seconds: number;
}

export interface BuildStep {
  step: string;
  host: string;
  /** 'done' = ran now; 'already' = found done, nothing changed. */
  outcome: 'done' | 'already';
  detail?: string;
}

export interface BuildReport {
  steps: BuildStep[];
  /** True when every step was already done: a re-run changed nothing. */
  noop: boolean;
  seconds: number;
}
