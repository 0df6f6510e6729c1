import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBenchChild } from '../measure/child';
import type { PhaseOutput, PhaseSpec } from './phase-spec';

export interface PhaseRun extends PhaseOutput {
  /** Child process wall time, start-up included. */
  wallSeconds: number;
}

/** Runs one engine operation in a child process (bench/phase.ts), so its peak RSS is its own. */
export async function runPhase(workDir: string, label: string, spec: PhaseSpec): Promise<PhaseRun> {
  const specFile = join(workDir, `${label}.phase.json`);
  await writeFile(specFile, JSON.stringify(spec));
  const { output, wallSeconds } = await runBenchChild<PhaseOutput>('phase.ts', [specFile]);
  return { ...output, wallSeconds };
}
