import type { ChefClient } from '../chef-api/client';
import type { ServerInfo } from '../chef-api/resources/server-info';
import { ChefAuthError, ChefHttpError, ConfigError, errorMessage } from '../errors';
import type { FailureReport } from '../report/failure-report';
import type { RunSummary } from '../report/run-summary';
import type { Ledger } from '../ledger/ledger';

/** What every data-plane step shares: one server, the backup directory, counters, the failure report. */
export interface EngineContext {
  client: ChefClient;
  info: ServerInfo;
  dir: string;
  /** How many objects are worked on at once (the client's limiter bounds the requests). */
  width: number;
  summary: RunSummary;
  failures: FailureReport;
  dryRun: boolean;
  purge: boolean;
  /** Wall seconds per org, for the per-org downtime estimate. */
  orgSeconds: Record<string, number>;
  /** What the operator should know that is not a failure (e.g. a quick check that fell back to reading all). */
  notes: string[];
  /**
   * Objects already fetched in this pass, recorded in the ledger under the pass id, so a pass retried after
   * a crash does not fetch them again.
   */
  pass?: { ledger: Ledger; id: string };
}

export interface PassMemo {
  done(name: string): boolean;
  mark(name: string, digest: string): Promise<void>;
}

const NO_MEMO: PassMemo = { done: () => false, mark: async () => undefined };

export async function passMemo(ctx: EngineContext, org: string | null, kind: string): Promise<PassMemo> {
  const pass = ctx.pass;
  if (!pass || ctx.dryRun) return NO_MEMO;
  const key = { destination: `backup-pass:${ctx.info.url}:${pass.id}`, org: org ?? '', kind };
  const seen = await pass.ledger.load(key);
  return { done: (name) => seen.has(name), mark: (name, digest) => pass.ledger.written(key, name, digest) };
}

/** Runs one org's work and records its wall time. */
export async function timedOrg(ctx: EngineContext, org: string, work: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await work();
  } finally {
    ctx.orgSeconds[org] = (ctx.orgSeconds[org] ?? 0) + (Date.now() - started) / 1000;
  }
}

export interface OrgSelection {
  only?: string[];
  exclude?: string[];
}

export function selectOrgs(all: string[], sel: OrgSelection): string[] {
  return all.filter((o) => (!sel.only?.length || sel.only.includes(o)) && !sel.exclude?.includes(o));
}

export interface ObjectRef {
  org: string | null;
  kind: string;
  name: string;
  path?: string;
}

/**
 * Runs the work for one object so that its failure is recorded and the run goes on. Only failures that would
 * repeat for every object (authentication, bad configuration) end the run.
 */
export async function isolate(ctx: EngineContext, ref: ObjectRef, work: () => Promise<void>): Promise<void> {
  await tryObject(ctx, ref, work);
}

/** As isolate, telling whether the work succeeded. */
export async function tryObject(ctx: EngineContext, ref: ObjectRef, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (err) {
    if (err instanceof ChefAuthError || err instanceof ConfigError) throw err;
    ctx.failures.record(ref, err);
    ctx.summary.add(ref.kind, 'failed');
    return false;
  }
}

/**
 * A whole step (one kind of one org): a failure that is not about one object, such as a listing that kept
 * failing, is recorded under the name `*` and the run goes on with the next step.
 */
export async function isolateStep(ctx: EngineContext, org: string | null, kind: string, work: () => Promise<void>) {
  await isolate(ctx, { org, kind, name: '*' }, work);
}

/** In a dry run the org may not exist on the destination yet: its listings are then empty, not errors. */
export async function remoteList<T>(ctx: EngineContext, list: () => Promise<T[]>): Promise<T[]> {
  try {
    return await list();
  } catch (err) {
    if (ctx.dryRun && err instanceof ChefHttpError && err.status === 404) return [];
    throw err;
  }
}

export { errorMessage };
