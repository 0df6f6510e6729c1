import { chefLoadErrorRate, parseChefLoad } from '../parsers/chef-load';
import type { CheckResult, RemoteHost } from '../types';
import { failed, guarded, passed, tail } from './result';
import { shellQuote } from './shell';

/**
 * Load test (opt-in; chef-ha-ops.md §4): chef-load runs until signalled, so it is bounded by `timeout`; on TERM it prints
 * its profile and exits, and `timeout` then exits 124. The requests of this run are also read from its JSON log.
 */

export interface LoadTestOptions {
  durationSeconds: number;
  configPath: string;
  maxErrorRate: number;
}

/** Cap on the log slice read back: enough for latency percentiles, never a multi-GB transfer. */
const MAX_LOG_BYTES = 20_000_000;

async function logFileOf(host: RemoteHost, configPath: string): Promise<string | undefined> {
  try {
    const config = (await host.readFile(configPath)).toString('utf8');
    return /^\s*log_file\s*=\s*["']([^"']+)["']/m.exec(config)?.[1];
  } catch {
    return undefined;
  }
}

export async function runLoadTest(host: RemoteHost, opts: LoadTestOptions): Promise<CheckResult> {
  const h = host.host.name;
  const name = 'load-test';
  return guarded(name, `could not run chef-load on ${h}`, async () => {
    const logFile = await logFileOf(host, opts.configPath);
    const offset = logFile
      ? Number((await host.run(`wc -c < ${shellQuote(logFile)} 2>/dev/null || echo 0`)).stdout.trim()) || 0
      : 0;
    const command = `timeout ${opts.durationSeconds} chef-load start --config ${shellQuote(opts.configPath)}`;
    const r = await host.run(command, { timeoutSeconds: opts.durationSeconds + 60 });
    let log = '';
    if (logFile) {
      const slice = await host.run(
        `tail -c +${offset + 1} ${shellQuote(logFile)} 2>/dev/null | head -c ${MAX_LOG_BYTES}`,
      );
      log = slice.stdout;
    }
    const result = parseChefLoad(`${r.stdout}\n${r.stderr}\n${log}`);
    const errorRate = chefLoadErrorRate(result);
    const evidence = {
      host: h,
      command,
      exitCode: r.code,
      durationSeconds: result.durationSeconds ?? opts.durationSeconds,
      totalRequests: result.totalRequests ?? 0,
      requestsPerSecond: result.rps ?? null,
      serverErrors: result.serverErrors,
      noResponse: result.noResponse,
      errorRate,
      maxErrorRate: opts.maxErrorRate,
      statusCounts: result.statusCounts,
      unexpectedConflicts: result.unexpectedConflicts,
      clientsBusy: result.clientsBusy,
      ...(result.requestLog
        ? {
            latencySeconds: {
              p50: result.requestLog.p50Seconds ?? null,
              p95: result.requestLog.p95Seconds ?? null,
              p99: result.requestLog.p99Seconds ?? null,
            },
          }
        : {}),
      rows: result.rows.slice(0, 20),
      ...(logFile ? { logFile } : {}),
    };
    // 124 = `timeout` stopped it, the normal end; 0 = it stopped on its own signal handling.
    if (r.code !== 0 && r.code !== 124)
      return failed(
        name,
        { ...evidence, outputTail: tail(`${r.stdout}\n${r.stderr}`.trim(), 800) },
        `chef-load on ${h} exited ${r.code} — is chef-load installed and the config (${opts.configPath}) valid?`,
      );
    if (!result.totalRequests)
      return failed(
        name,
        { ...evidence, outputTail: tail(`${r.stdout}\n${r.stderr}`.trim(), 800) },
        `chef-load on ${h} reported no requests — check chef_server_url, client_name and client_key in ${opts.configPath}`,
      );
    const summary = `${result.totalRequests} requests, ${result.rps?.toFixed(1) ?? '?'} req/s, ${result.serverErrors} 5xx, ${result.noResponse} no-response`;
    if (errorRate > opts.maxErrorRate)
      return failed(
        name,
        evidence,
        `${summary}: error rate ${(errorRate * 100).toFixed(2)}% over ${(opts.maxErrorRate * 100).toFixed(2)}% — check frontend logs (opscode-erchef, nginx) and backend health`,
      );
    return passed(name, evidence, `${summary} (error rate ${(errorRate * 100).toFixed(2)}%)`);
  });
}
