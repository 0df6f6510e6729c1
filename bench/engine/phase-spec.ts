import type { BackupOptions, OperationResult, RestoreOptions } from '../../activities/operations/options';

/** What the parent hands bench/phase.ts (as a JSON file): one engine operation and where to keep its traces. */
export type PhaseSpec =
  | { operation: 'backup'; options: BackupOptions; recordFile?: string }
  | { operation: 'restore'; options: RestoreOptions; recordFile?: string; ledgerFile: string };

/** What bench/phase.ts prints as its last line. */
export interface PhaseOutput {
  result: OperationResult;
  /** Seconds around the engine call, inside the child (no process start-up, no module loading). */
  seconds: number;
  cpuSeconds: number;
  /** CPU of the whole child process, start-up and module loading included. */
  processCpuSeconds: number;
  peakRssMb: number;
  wireBytesIn: number;
  wireBytesOut: number;
  recordedRequests: number;
}
