import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBenchChild } from '../measure/child';
import type { LimitOutput, LimitSpec } from './spec';

/** Runs the bare load generator (bench/limit.ts) in a child process of its own, like the engine phases. */
export async function runLimit(workDir: string, label: string, spec: LimitSpec): Promise<LimitOutput> {
  const specFile = join(workDir, `${label}.limit.json`);
  await writeFile(specFile, JSON.stringify(spec));
  return (await runBenchChild<LimitOutput>('limit.ts', [specFile])).output;
}
