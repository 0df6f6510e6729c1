import type { MixResult } from '../limit/spec';

/** CPU seconds used while something ran: by the servers, and by the whole machine (every process on it). */
export interface CpuWindow {
  serverCpuSeconds: number;
  /** Per server, where each is a process of its own (goiardi). */
  sourceCpuSeconds?: number;
  destinationCpuSeconds?: number;
  machineCpuSeconds: number;
}

export type PhaseKey = 'fullBackup' | 'fullRestore' | 'incrementalUnchanged' | 'incrementalChanged';

export const PHASE_LABELS: Record<PhaseKey, string> = {
  fullBackup: 'full backup',
  fullRestore: 'full restore',
  incrementalUnchanged: 'incremental, nothing changed',
  incrementalChanged: 'incremental, 5% nodes changed',
};

/** One engine operation of a row, as measured in its child process. */
export interface EngineStep {
  operation: 'backup' | 'restore';
  objects: number;
  written: number;
  requests: number;
  retries: number;
  failed: number;
  seconds: number;
  wallSeconds: number;
  /** CPU of the engine call; processCpuSeconds adds the child's start-up. */
  cpuSeconds: number;
  processCpuSeconds: number;
  peakRssMb: number;
  wireMegabytes: number;
  counts: Record<string, Record<string, number>>;
}

/**
 * Where the CPU went: on a machine shared by client and server (as here), throughput is bounded by
 * cores / (client + server CPU per request); `otherCpuSeconds` is what unrelated processes took meanwhile.
 */
export interface CpuShare extends CpuWindow {
  cpuSeconds: number;
  otherCpuSeconds: number;
  cpuMsPerRequest: number;
  serverCpuMsPerRequest: number;
}

export interface LimitRow extends CpuShare {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  megabytesPerSecond: number;
  peakRssMb: number;
  signSeconds: number;
  failed: number;
  mixes: MixResult[];
}

/** One row of the table. An incremental pass is a backup and a restore; its figures are their sums. */
export interface PhaseRow extends CpuShare {
  key: PhaseKey;
  label: string;
  /** Objects the pass covered (for a pass: those the backup went through; the restore covers the same). */
  objects: number;
  requests: number;
  /** Engine seconds (inside the child processes, start-up excluded). */
  seconds: number;
  wallSeconds: number;
  objectsPerSecond: number;
  requestsPerSecond: number;
  /** Bytes on the wire, both directions, headers included. */
  megabytes: number;
  megabytesPerSecond: number;
  backupDirMb: number;
  peakRssMb: number;
  failed: number;
  retries: number;
  /** Incremental passes: requests the restore sent to the destination. */
  destinationRequests?: number;
  /** `server`: the destination's own request log (the double); `engine`: the restore's request count (goiardi). */
  destinationRequestsCountedBy?: 'server' | 'engine';
  /** Incremental passes: this pass's seconds over the full backup + full restore seconds. */
  incrementalToFull?: number;
  steps: EngineStep[];
  limit: LimitRow;
  limitRequestsPerSecond: number;
  /** Engine requests/s over limit requests/s. */
  ratio: number;
}

export interface BenchResults {
  preset: string;
  target: string;
  concurrency: number;
  seed: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; node: string; platform: string };
  dataset: {
    counts: Record<string, number>;
    nodeKb: number;
    loadSeconds: number;
    loadRequests: number;
    changedNodes: number;
  };
  /** Seconds spent waiting for the servers' background work between measurements (excluded from them). */
  settledSeconds: number;
  phases: PhaseRow[];
}
