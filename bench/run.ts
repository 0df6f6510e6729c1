/**
 * `npm run bench -- --preset small|medium|reference [--target goiardi|double] [--json FILE] [--concurrency N]`:
 * loads a generated dataset into a fresh source server, times full and incremental backup/restore passes
 * of the engine against the server-bound limit, prints one table and writes every figure as JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseBenchArgs, USAGE, type BenchArgs } from './args';
import { formatTable } from './report/table';
import { runScenario } from './scenario';

/** Above this share of the machine's busy CPU going to unrelated processes, the run says its rates are skewed. */
const OTHER_LOAD_WARNING = 0.1;

async function main(): Promise<void> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const say = (line: string) => console.error(`[bench] ${line}`);
  const results = await runScenario(args, say);
  await mkdir(dirname(args.json), { recursive: true });
  await writeFile(args.json, `${JSON.stringify(results, null, 2)}\n`);
  const c = results.dataset.counts;
  console.log(
    `preset ${results.preset} on ${results.target}, concurrency ${results.concurrency}: ${c.nodes} nodes of ~${results.dataset.nodeKb} kB, ` +
      `${c.cookbookVersions} cookbook versions, ${c.users} users, ${c.orgs} org(s); loaded in ${results.dataset.loadSeconds.toFixed(1)} s`,
  );
  console.log(formatTable(results.phases));
  const other = results.phases.reduce((s, p) => s + p.otherCpuSeconds + p.limit.otherCpuSeconds, 0);
  const machine = results.phases.reduce((s, p) => s + p.machineCpuSeconds + p.limit.machineCpuSeconds, 0);
  if (machine > 0 && other / machine > OTHER_LOAD_WARNING)
    console.log(
      `NOTE: other processes took ${((100 * other) / machine).toFixed(0)}% of the busy CPU during the measurements; rates are depressed (CPU per request in the JSON is not)`,
    );
  const failed = results.phases.reduce((s, p) => s + p.failed, 0);
  if (failed) console.log(`WARNING: ${failed} objects failed in the engine steps; the figures above include them`);
  console.log(`results: ${args.json}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
