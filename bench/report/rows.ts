import type { PhaseRun } from '../engine/run-phase';
import type { LimitOutput } from '../limit/spec';
import {
  PHASE_LABELS,
  type CpuShare,
  type CpuWindow,
  type EngineStep,
  type LimitRow,
  type PhaseKey,
  type PhaseRow,
} from './results';

const MB = 1e6;
const rate = (n: number, seconds: number) => (seconds > 0 ? n / seconds : 0);
const sumOf = <T>(items: T[], f: (t: T) => number) => items.reduce((s, t) => s + f(t), 0);

export function engineStep(run: PhaseRun): EngineStep {
  const counts = run.result.counts;
  return {
    operation: run.result.operation,
    objects: sumOf(Object.values(counts), (c) => sumOf(Object.values(c), (n) => n)),
    written: sumOf(Object.values(counts), (c) => c.written ?? 0),
    requests: run.result.requests,
    retries: run.result.retries,
    failed: run.result.failed,
    seconds: run.seconds,
    wallSeconds: run.wallSeconds,
    cpuSeconds: run.cpuSeconds,
    processCpuSeconds: run.processCpuSeconds,
    peakRssMb: run.peakRssMb,
    wireMegabytes: (run.wireBytesIn + run.wireBytesOut) / MB,
    counts,
  };
}

/** `processCpu`: the whole child process, which the machine-wide window also covers. */
function cpuShare(cpuSeconds: number, processCpu: number, w: CpuWindow, requests: number): CpuShare {
  return {
    ...w,
    cpuSeconds,
    otherCpuSeconds: Math.max(0, w.machineCpuSeconds - processCpu - w.serverCpuSeconds),
    cpuMsPerRequest: rate(cpuSeconds * 1000, requests),
    serverCpuMsPerRequest: rate(w.serverCpuSeconds * 1000, requests),
  };
}

export function limitRow(out: LimitOutput, w: CpuWindow): LimitRow {
  return {
    requests: out.requests,
    seconds: out.seconds,
    requestsPerSecond: out.requestsPerSecond,
    megabytesPerSecond: rate((out.wireBytesIn + out.wireBytesOut) / MB, out.seconds),
    peakRssMb: out.peakRssMb,
    signSeconds: out.signSeconds,
    failed: out.failed,
    ...cpuShare(out.cpuSeconds, out.processCpuSeconds, w, out.requests),
    mixes: out.mixes,
  };
}

export interface RowInput extends CpuWindow {
  key: PhaseKey;
  runs: PhaseRun[];
  limit: LimitOutput;
  limitCpu: CpuWindow;
  backupDirMb: number;
  /** Incremental passes: the full pass's seconds, to compare with. */
  fullSeconds?: number;
  /** Requests the destination itself logged during the restore, where it keeps a log. */
  answered?: number;
}

export function phaseRow(i: RowInput): PhaseRow {
  const steps = i.runs.map(engineStep);
  const seconds = sumOf(steps, (s) => s.seconds);
  const requests = sumOf(steps, (s) => s.requests);
  const objects = steps[0]?.objects ?? 0;
  const megabytes = sumOf(steps, (s) => s.wireMegabytes);
  const limit = limitRow(i.limit, i.limitCpu);
  const requestsPerSecond = rate(requests, seconds);
  const restore = steps.find((s) => s.operation === 'restore');
  const cpu = sumOf(steps, (s) => s.cpuSeconds);
  return {
    key: i.key,
    label: PHASE_LABELS[i.key],
    objects,
    requests,
    seconds,
    wallSeconds: sumOf(steps, (s) => s.wallSeconds),
    objectsPerSecond: rate(objects, seconds),
    requestsPerSecond,
    megabytes,
    megabytesPerSecond: rate(megabytes, seconds),
    backupDirMb: i.backupDirMb,
    peakRssMb: Math.max(...steps.map((s) => s.peakRssMb)),
    ...cpuShare(
      cpu,
      sumOf(steps, (s) => s.processCpuSeconds),
      i,
      requests,
    ),
    failed: sumOf(steps, (s) => s.failed),
    retries: sumOf(steps, (s) => s.retries),
    ...(i.fullSeconds !== undefined
      ? {
          destinationRequests: i.answered ?? restore?.requests ?? 0,
          destinationRequestsCountedBy: i.answered === undefined ? ('engine' as const) : ('server' as const),
          incrementalToFull: rate(seconds, i.fullSeconds),
        }
      : {}),
    steps,
    limit,
    limitRequestsPerSecond: limit.requestsPerSecond,
    ratio: rate(requestsPerSecond, limit.requestsPerSecond),
  };
}
