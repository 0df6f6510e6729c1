import type { ServerOptions } from '../../activities/operations/options';

/** Where a mix's requests come from. */
export type MixSource =
  /** The GETs an engine phase made (bench/phase.ts recorded them), replayed as they were. */
  | { kind: 'recorded'; file: string }
  /**
   * PUTs of the JSON objects a restore writes (users, clients, nodes, roles, environments, data bag items),
   * bodies read from the backup directory; `nodes` limits it to those nodes (`org/name`). Users the restore
   * never writes (pivotal, the acting user) are left out as it leaves them out.
   */
  | { kind: 'objects'; dir: string; singleTenantOrg?: string; nodes?: string[]; protectedUsers: string[] };

export interface LimitMix {
  label: string;
  server: ServerOptions;
  source: MixSource;
}

/** What the parent hands bench/limit.ts: mixes replayed one after the other, each at `concurrency`. */
export interface LimitSpec {
  concurrency: number;
  mixes: LimitMix[];
}

export interface MixResult {
  label: string;
  requests: number;
  seconds: number;
  failed: number;
  statuses: Record<string, number>;
}

/** What bench/limit.ts prints as its last line. Seconds exclude the pre-signing. */
export interface LimitOutput {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  failed: number;
  signSeconds: number;
  peakRssMb: number;
  /** CPU of the replays only (signing excluded). */
  cpuSeconds: number;
  processCpuSeconds: number;
  wireBytesIn: number;
  wireBytesOut: number;
  mixes: MixResult[];
}
