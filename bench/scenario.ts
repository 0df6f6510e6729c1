import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchArgs } from './args';
import { asSingleOrg, buildDataset, datasetCounts } from './dataset/dataset';
import { changeNodes } from './load/mutate';
import { loadDataset } from './load/seed';
import { startServers } from './load/servers';
import type { BenchResults } from './report/results';
import { benchSteps } from './steps';

/** goiardi has no organizations: the dataset goes in as one org, and the engine backs it up under this name. */
const SINGLE_ORG = 'bench';
const CHANGED_FRACTION = 0.05;
const PROGRESS_EVERY_MS = 10_000;

/**
 * The whole benchmark: two fresh servers, the dataset loaded into the source, then a full backup, a full
 * restore and two incremental passes (backup + restore with the same ledger), each engine step in a child
 * process and each row followed by the bare load generator replaying its request mix.
 */
export async function runScenario(a: BenchArgs, say: (line: string) => void): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const work = await mkdtemp(join(tmpdir(), `cm-bench-${a.preset.name}-`));
  say(`starting two ${a.target} servers; work dir ${work}`);
  const servers = await startServers(a.target);
  const { source, destination } = servers;
  try {
    const full = buildDataset(a.preset, a.seed);
    const ds = source.multiTenant ? full : asSingleOrg(full, SINGLE_ORG);
    const counts = datasetCounts(ds);
    say(`loading ${JSON.stringify(counts)} (nodes ~${a.preset.nodeKb} kB) into the source`);
    let lastSaid = Date.now();
    const load = await loadDataset(source, ds, a.concurrency, (n) => {
      if (Date.now() - lastSaid < PROGRESS_EVERY_MS) return;
      lastSaid = Date.now();
      say(`  ${n} objects loaded`);
    });
    say(`  loaded ${load.objects} objects with ${load.requests} requests in ${load.seconds.toFixed(1)} s`);

    const s = benchSteps({
      work,
      source,
      destination,
      serverCpu: () => servers.cpu(),
      settleSeconds: a.settleSeconds,
      concurrency: a.concurrency,
      singleTenantOrg: source.multiTenant ? undefined : SINGLE_ORG,
      say,
    });
    const fullBackup = await s.measured(async () => [await s.backup('full-backup')]);
    const fullRestore = await s.measured(async () => [await s.restore('full-restore')]);
    const rows = [
      await s.row('fullBackup', fullBackup, [s.gets('full-backup', source)]),
      await s.row('fullRestore', fullRestore, [s.gets('full-restore', destination), s.puts()]),
    ];
    const fullSeconds = [...fullBackup.runs, ...fullRestore.runs].reduce((sum, r) => sum + r.seconds, 0);

    const unchanged = await s.measured(async () => [
      await s.backup('unchanged-backup'),
      await s.restore('unchanged-restore'),
    ]);
    rows.push(
      await s.row(
        'incrementalUnchanged',
        unchanged,
        [s.gets('unchanged-backup', source), s.gets('unchanged-restore', destination)],
        fullSeconds,
      ),
    );

    say(`changing ${CHANGED_FRACTION * 100}% of the nodes on the source`);
    const changedNodes = await changeNodes(source, ds, CHANGED_FRACTION, a.concurrency);
    const changed = await s.measured(async () => [
      await s.backup('changed-backup'),
      await s.restore('changed-restore'),
    ]);
    const changedNames = changedNodes.map((n) => `${source.multiTenant ? n.org : SINGLE_ORG}/${n.name}`);
    rows.push(
      await s.row(
        'incrementalChanged',
        changed,
        [s.gets('changed-backup', source), s.gets('changed-restore', destination), s.puts(changedNames)],
        fullSeconds,
      ),
    );

    return {
      preset: a.preset.name,
      target: a.target,
      concurrency: a.concurrency,
      seed: a.seed,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
      dataset: {
        counts,
        nodeKb: a.preset.nodeKb,
        loadSeconds: load.seconds,
        loadRequests: load.requests,
        changedNodes: changedNodes.length,
      },
      settledSeconds: s.settledSeconds(),
      phases: rows,
    };
  } finally {
    await servers.stop();
    if (!a.keep) await rm(work, { recursive: true, force: true });
  }
}
