import { parseServerTest } from '../parsers/server-test';
import type { CheckResult, RemoteHost } from '../types';
import { failed, guarded, passed, tail } from './result';

/** `chef-server-ctl test` (pedant `--smoke` by default) on a frontend: exit 0 and `0 failures`. */
export async function checkServerTest(
  host: RemoteHost,
  opts: { timeoutSeconds: number; args?: string },
): Promise<CheckResult> {
  const h = host.host.name;
  const name = `chef-server-ctl-test:${h}`;
  return guarded(name, `could not run \`chef-server-ctl test\` on ${h}: check ssh`, async () => {
    const command = `chef-server-ctl test${opts.args ? ` ${opts.args}` : ''}`;
    const r = await host.run(command, { timeoutSeconds: opts.timeoutSeconds });
    const t = parseServerTest(`${r.stdout}\n${r.stderr}`, r.code);
    const evidence = {
      host: h,
      command,
      exitCode: r.code,
      examples: t.examples ?? null,
      failures: t.failures ?? null,
      pending: t.pending ?? null,
      ...(t.duration ? { duration: t.duration } : {}),
      ...(t.failedExamples.length ? { failedExamples: t.failedExamples } : {}),
      ...(t.passed ? {} : { outputTail: tail(`${r.stdout}\n${r.stderr}`.trim(), 1500) }),
    };
    if (t.passed) return passed(name, evidence, `${h}: ${t.examples} examples, 0 failures`);
    const what = !t.summaryFound
      ? `pedant printed no summary (exit ${r.code})`
      : `${t.failures} failures of ${t.examples} examples (exit ${r.code})${t.failedExamples[0] ? `, first: ${t.failedExamples[0]}` : ''}`;
    return failed(
      name,
      evidence,
      `${h}: ${what} — read the pedant output in the evidence; check /_status and \`chef-server-ctl status\` on ${h}`,
    );
  });
}
