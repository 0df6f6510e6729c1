import { lines, stripAnsi } from './text';

/** `chef-server-ctl test` (oc-chef-pedant, chef-ha-ops.md §2.4): the RSpec summary and the exit code. */
export interface ServerTestResult {
  exitCode: number;
  /** False when no `N examples, M failures` line was printed (pedant died before the summary). */
  summaryFound: boolean;
  examples?: number;
  failures?: number;
  pending?: number;
  /** `Finished in …` as printed. */
  duration?: string;
  /** `rspec ./spec/…:12 # description` lines, the failed examples (first 20). */
  failedExamples: string[];
  /** Exit 0, a summary, and 0 failures. */
  passed: boolean;
}

const SUMMARY = /(\d+) examples?, (\d+) failures?(?:, (\d+) pending)?/g;

export function parseServerTest(output: string, exitCode: number): ServerTestResult {
  const plain = stripAnsi(output);
  // The last summary wins: pedant may print one per phase, the final one is the run's.
  const all = [...plain.matchAll(SUMMARY)];
  const last = all[all.length - 1];
  const failedExamples = lines(plain)
    .map((l) => l.trim())
    .filter((l) => /^rspec \S+/.test(l))
    .slice(0, 20);
  const duration = /Finished in ([^\n]+?)(?:\s*\(files took [^)]*\))?$/m.exec(plain)?.[1]?.trim();
  const result: ServerTestResult = {
    exitCode,
    summaryFound: last !== undefined,
    failedExamples,
    passed: false,
    ...(duration ? { duration } : {}),
  };
  if (last) {
    result.examples = Number(last[1]);
    result.failures = Number(last[2]);
    if (last[3] !== undefined) result.pending = Number(last[3]);
  }
  result.passed = exitCode === 0 && result.summaryFound && result.failures === 0;
  return result;
}
