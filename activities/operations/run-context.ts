import { join } from 'node:path';
import type { ChefClient } from '../chef-api/client';
import type { ServerInfo } from '../chef-api/resources/server-info';
import type { EngineContext } from '../engine/context';
import { FailureReport } from '../report/failure-report';
import { RunSummary } from '../report/run-summary';
import type { CommonOptions, OperationResult, ProgressSink } from './options';

/** The shared parts of a backup or restore run: counters, the failure report, throttled progress. */
export function engineContext(
  operation: 'backup' | 'restore',
  o: CommonOptions,
  client: ChefClient,
  info: ServerInfo,
  progress?: ProgressSink,
): EngineContext {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const summary = new RunSummary();
  let last = 0;
  if (progress)
    summary.onChange = () => {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      progress(`${summary.progressLine()}, concurrency ${client.concurrencyLimit}/${o.concurrency}`, summary.total());
    };
  return {
    client,
    info,
    dir: o.dir,
    width: Math.max(1, o.concurrency),
    summary,
    failures: new FailureReport(join(o.dir, 'errors', `${operation}-${stamp}.jsonl`), operation),
    dryRun: o.dryRun === true,
    purge: o.purge === true,
    orgSeconds: {},
    notes: [],
  };
}

export async function finish(
  operation: 'backup' | 'restore',
  ctx: EngineContext,
  orgs: string[],
): Promise<OperationResult> {
  await ctx.failures.flush();
  return {
    operation,
    orgs,
    counts: ctx.summary.counts,
    failed:
      ctx.summary.failed + (ctx.failures.count - ctx.summary.failed > 0 ? ctx.failures.count - ctx.summary.failed : 0),
    ...(ctx.failures.count ? { failureReport: ctx.failures.file } : {}),
    seconds: (Date.now() - ctx.summary.startedAt) / 1000,
    orgSeconds: ctx.orgSeconds,
    ...(ctx.notes.length ? { notes: ctx.notes } : {}),
    requests: ctx.client.stats.requests,
    retries: ctx.client.stats.retries,
  };
}
