import { join } from 'node:path';
import type { PhaseSpec } from './engine/phase-spec';
import { runPhase, type PhaseRun } from './engine/run-phase';
import { runLimit } from './limit/run-limit';
import type { LimitMix } from './limit/spec';
import type { BenchServer, ServerCpu } from './load/servers';
import { dirBytes } from './measure/dir-size';
import { settle } from './measure/settle';
import { machineBusySeconds } from './measure/usage';
import type { CpuWindow, PhaseKey, PhaseRow } from './report/results';
import { phaseRow } from './report/rows';

export interface StepContext {
  work: string;
  source: BenchServer;
  destination: BenchServer;
  serverCpu: () => Promise<ServerCpu>;
  /** Longest wait for the servers' background work to finish before each measurement. */
  settleSeconds: number;
  concurrency: number;
  singleTenantOrg?: string;
  say: (line: string) => void;
}

/** An engine step, plus what the destination itself counted where it keeps a request log. */
export type StepRun = PhaseRun & { destinationAnswered?: number };

export type Measured = CpuWindow & { runs: StepRun[] };

/** The building blocks of a benchmark run: engine steps, load-generator mixes, and a table row from both. */
export function benchSteps(c: StepContext) {
  const dir = join(c.work, 'backup');
  const tenancy = c.singleTenantOrg ? { singleTenantOrg: c.singleTenantOrg } : {};
  const common = { dir, concurrency: c.concurrency, ...tenancy };
  const ledgerFile = join(c.work, 'ledger.json');
  const recordOf = (label: string) => join(c.work, `${label}.requests.jsonl`);
  let settledSeconds = 0;
  /** Runs work once the servers are idle, noting the CPU they and the whole machine used meanwhile. */
  const metered = async <T>(work: () => Promise<T>): Promise<{ out: T; cpu: CpuWindow }> => {
    const waited = await settle(c.serverCpu, c.settleSeconds);
    settledSeconds += waited;
    if (waited > 10) c.say(`  (waited ${waited.toFixed(0)} s for the servers' background work to finish)`);
    const [server0, machine0] = [await c.serverCpu(), await machineBusySeconds()];
    const out = await work();
    const [server1, machine1] = [await c.serverCpu(), await machineBusySeconds()];
    const diff = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : b - a);
    return {
      out,
      cpu: {
        serverCpuSeconds: server1.total - server0.total,
        sourceCpuSeconds: diff(server0.source, server1.source),
        destinationCpuSeconds: diff(server0.destination, server1.destination),
        machineCpuSeconds: machine1 - machine0,
      },
    };
  };

  const engine = async (label: string, spec: PhaseSpec): Promise<PhaseRun> => {
    c.say(`${label}: engine`);
    const run = await runPhase(c.work, label, spec);
    const r = run.result;
    c.say(
      `  ${r.requests} requests, ${r.failed} failed, ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB`,
    );
    if (r.failed) c.say(`  WARNING: ${r.failed} objects failed; see ${r.failureReport ?? 'the failure report'}`);
    return run;
  };

  return {
    dir,
    /** Seconds spent so far waiting for the servers to go idle (not part of any measurement). */
    settledSeconds: () => settledSeconds,
    backup: (label: string): Promise<StepRun> =>
      engine(label, {
        operation: 'backup',
        options: { ...common, source: c.source.engine },
        recordFile: recordOf(label),
      }),

    async restore(label: string): Promise<StepRun> {
      c.destination.answered?.reset();
      const run = await engine(label, {
        operation: 'restore',
        options: { ...common, destination: c.destination.engine },
        recordFile: recordOf(label),
        ledgerFile,
      });
      return { ...run, destinationAnswered: c.destination.answered?.count() };
    },

    /** The GETs an engine step sent, replayed against the server it sent them to. */
    gets: (label: string, server: BenchServer): LimitMix => ({
      label: `GETs of ${label}`,
      server: server.engine,
      source: { kind: 'recorded', file: recordOf(label) },
    }),

    /** PUTs of the restored JSON objects (or of the changed nodes only) against the destination. */
    puts: (nodes?: string[]): LimitMix => ({
      label: nodes ? 'PUTs of the changed nodes' : 'PUTs of users, clients, nodes, roles, environments, data bag items',
      server: c.destination.engine,
      source: {
        kind: 'objects',
        dir,
        ...tenancy,
        ...(nodes ? { nodes } : {}),
        protectedUsers: ['pivotal', c.destination.engine.user],
      },
    }),

    /** Runs engine steps, noting the CPU the servers and the machine used meanwhile. */
    async measured(work: () => Promise<StepRun[]>): Promise<Measured> {
      const { out, cpu } = await metered(work);
      return { runs: out, ...cpu };
    },

    /** Runs the load generator for a row's mixes and builds the row. */
    async row(key: PhaseKey, m: Measured, mixes: LimitMix[], fullSeconds?: number): Promise<PhaseRow> {
      c.say(`${key}: limit (${mixes.map((x) => x.label).join(' + ')})`);
      const { out: limit, cpu: limitCpu } = await metered(() =>
        runLimit(c.work, key, { concurrency: c.concurrency, mixes }),
      );
      c.say(`  ${limit.requests} requests in ${limit.seconds.toFixed(2)} s = ${limit.requestsPerSecond.toFixed(0)}/s`);
      c.source.answered?.reset();
      c.destination.answered?.reset();
      const answered = m.runs.find((r) => r.destinationAnswered !== undefined)?.destinationAnswered;
      const backupDirMb = (await dirBytes(dir)) / 1e6;
      return phaseRow({ key, ...m, limit, limitCpu, backupDirMb, fullSeconds, answered });
    },
  };
}
